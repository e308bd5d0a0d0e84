package dev.agentauth.core.config;

import com.fasterxml.jackson.databind.JsonNode;
import dev.agentauth.core.ConfigurationException;
import dev.agentauth.core.ProviderId;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The problems found while reading one configuration document, each at a YAML path: collected, not thrown one by one,
 * so a file can be fixed in one pass; then thrown together by {@link #throwIfErrors()}. Messages never quote a
 * configured value. Confined to one thread.
 */
abstract class ConfigProblems {

    /** A problem at a YAML path ({@code ""} for the whole file). */
    record Problem(String path, String message, ProviderId provider) {
    }

    final String source;
    final List<Problem> problems = new ArrayList<>();
    ProviderId currentProvider;

    ConfigProblems(String source) {
        this.source = source;
    }

    void throwIfErrors() {
        if (problems.isEmpty()) {
            return;
        }
        List<String> lines = problems.stream()
                .map(p -> source + ": " + (p.path().isEmpty() ? "" : p.path() + ": ") + p.message())
                .toList();
        Set<ProviderId> ids = problems.stream().map(Problem::provider)
                .collect(Collectors.toCollection(LinkedHashSet::new));
        ProviderId provider = ids.size() == 1 ? ids.iterator().next() : null;
        String message = lines.size() == 1 ? lines.get(0)
                : lines.size() + " problems in " + source + "; fix them all, then load again:\n"
                        + String.join("\n", lines);
        throw new ConfigurationException(message, provider, null);
    }

    // ---- helpers ---------------------------------------------------------------------------------------------

    void checkKeys(JsonNode obj, String path, List<String> allowed, String what) {
        for (Iterator<String> it = obj.fieldNames(); it.hasNext(); ) {
            String key = it.next();
            if (!allowed.contains(key)) {
                error(path.isEmpty() ? key : path + "." + key, "unknown " + what + " '" + key + "'"
                        + suggestion(key, allowed) + "; allowed keys: " + String.join(", ", allowed));
            }
        }
    }

    void error(String path, String message) {
        problems.add(new Problem(path, message, currentProvider));
    }

    int problemsAt(String path) {
        int n = 0;
        for (Problem p : problems) {
            if (p.path().equals(path)) {
                n++;
            }
        }
        return n;
    }

    static String kindOf(JsonNode node) {
        if (node.isObject()) {
            return "a mapping";
        }
        if (node.isArray()) {
            return "a list";
        }
        return "a single value";
    }

    static List<String> concat(List<String> a, List<String> b) {
        List<String> all = new ArrayList<>(a);
        all.addAll(b);
        return List.copyOf(all);
    }

    /** " (did you mean 'client-id'?)" for a near miss such as {@code clientid} or {@code client_id}. */
    static String suggestion(String key, List<String> allowed) {
        String norm = normalize(key);
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        for (String candidate : allowed) {
            int d = normalize(candidate).equals(norm) ? 0 : distance(key.toLowerCase(Locale.ROOT), candidate);
            if (d < bestDistance) {
                best = candidate;
                bestDistance = d;
            }
        }
        // A near miss: one edit, or two in a longer key ("host" is not "port")
        int limit = key.length() >= 6 ? 2 : 1;
        return best != null && bestDistance <= limit ? " (did you mean '" + best + "'?)" : "";
    }

    static String normalize(String s) {
        return s.toLowerCase(Locale.ROOT).replace("-", "").replace("_", "");
    }

    /** Levenshtein distance; keys are short. */
    static int distance(String a, String b) {
        int[] prev = new int[b.length() + 1];
        int[] cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            prev[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + cost);
            }
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[b.length()];
    }
}
