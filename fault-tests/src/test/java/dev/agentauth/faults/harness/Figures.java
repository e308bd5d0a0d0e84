package dev.agentauth.faults.harness;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The figures a fault test measured — times to a typed error or to recovery, counts — printed as one greppable line
 * {@code FAULT-FIGURE item=<n> test=<name> key=value ...} on stdout, whether the test then passes or fails.
 */
public final class Figures {

    private final Map<String, Object> values = new LinkedHashMap<>();

    public Figures(String item, String test) {
        values.put("item", item);
        values.put("test", test);
    }

    public Figures put(String key, Object value) {
        values.put(key, value);
        return this;
    }

    public Object get(String key) {
        return values.get(key);
    }

    /** Prints the line (again, with whatever was added since). */
    public void print() {
        StringBuilder line = new StringBuilder("FAULT-FIGURE");
        values.forEach((k, v) -> line.append(' ').append(k).append('=').append(format(v)));
        System.out.println(line);
    }

    private static String format(Object v) {
        String s = String.valueOf(v);
        return s.matches("[^\\s\"]+") ? s : '"' + s.replace("\"", "'").replace("\n", " ") + '"';
    }

    @Override
    public String toString() {
        return values.toString();
    }
}
