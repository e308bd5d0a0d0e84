package dev.agentauth.core.config;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code ${VAR}} and {@code ${VAR:-default}} expansion of configuration values from the environment. An unset variable
 * without a default is a problem naming the variable, never its value. Confined to one thread.
 */
abstract class ConfigExpansion extends ConfigProblems {

    static final Pattern VAR_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");
    static final Pattern ONLY_EMPTY_DEFAULT = Pattern.compile("\\$\\{[A-Za-z_][A-Za-z0-9_]*:-}");

    final Function<String, String> env;

    ConfigExpansion(String source, Function<String, String> env) {
        super(source);
        this.env = env;
    }

    // ---- ${VAR} expansion ------------------------------------------------------------------------------------

    /** Expands {@code ${VAR}}, {@code ${VAR:-default}} and <code>$${</code>; {@code null} after noting a problem. */
    String expand(String raw, String path) {
        if (raw.indexOf('$') < 0) {
            return raw;
        }
        StringBuilder out = new StringBuilder(raw.length());
        boolean ok = true;
        int i = 0;
        while (i < raw.length()) {
            if (raw.startsWith("$${", i)) {
                out.append("${");
                i += 3;
            } else if (raw.startsWith("${", i)) {
                int end = raw.indexOf('}', i + 2);
                if (end < 0) {
                    error(path, "has '${' without a closing '}'; write ${VAR} or ${VAR:-default},"
                            + " or $${ for a literal ${");
                    return null;
                }
                String expr = raw.substring(i + 2, end);
                int sep = expr.indexOf(":-");
                String name = sep < 0 ? expr : expr.substring(0, sep);
                String fallback = sep < 0 ? null : expr.substring(sep + 2);
                if (!VAR_NAME.matcher(name).matches()) {
                    error(path, "has a '${...}' that does not start with an environment variable name (letters,"
                            + " digits and '_'); write ${VAR} or ${VAR:-default}, or $${ for a literal ${");
                    ok = false;
                } else {
                    String value = env.apply(name);
                    if (value == null || (fallback != null && value.isEmpty())) {
                        if (fallback == null) {
                            error(path, "environment variable " + name + " is not set; set it, or give a"
                                    + " default with ${" + name + ":-default}");
                            ok = false;
                            value = "";
                        } else {
                            value = fallback;
                        }
                    }
                    out.append(value);
                }
                i = end + 1;
            } else {
                out.append(raw.charAt(i));
                i++;
            }
        }
        return ok ? out.toString() : null;
    }

    static List<String> variables(String raw) {
        List<String> names = new ArrayList<>();
        Matcher m = Pattern.compile("(?<!\\$)\\$\\{([A-Za-z_][A-Za-z0-9_]*)").matcher(raw);
        while (m.find()) {
            names.add(m.group(1));
        }
        return names;
    }
}
