package dev.agentauth.benchmarks;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Writes the performance table (docs/performance.md) from one run: the JMH results (a JSON file, every benchmark of that run) and
 * the harnesses' {@code key=value} lines. Every goal is a ratio within that run, so the machine's speed cancels out.
 * Replaces what lies between {@value #START} and {@value #END} in the README.
 *
 * <p>Usage: {@code PerfTable <jmh.json> <harness output>... --readme docs/performance.md}.
 */
public final class PerfTable {

    static final String START = "<!-- perf-table:start -->";
    static final String END = "<!-- perf-table:end -->";

    private final Map<String, double[]> jmh = new HashMap<>(); // name -> {ns/op, error ns, B/op}
    /** Benchmarks run as several single-fork invocations (the turns): each invocation's {ns/op, B/op}, in file order. */
    private final Map<String, List<double[]>> forks = new HashMap<>();
    private final Map<String, String> values = new HashMap<>();

    public static void main(String[] args) throws IOException {
        PerfTable t = new PerfTable();
        Path readme = null;
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals("--readme")) {
                readme = Path.of(args[++i]);
            } else if (args[i].endsWith(".json")) {
                t.readJmh(Path.of(args[i]));
            } else {
                t.readValues(Path.of(args[i]));
            }
        }
        String table = t.table();
        if (readme == null) {
            System.out.println(table);
            return;
        }
        String text = Files.readString(readme, StandardCharsets.UTF_8);
        int a = text.indexOf(START);
        int b = text.indexOf(END);
        if (a < 0 || b < a) {
            throw new IllegalStateException(readme + " has no " + START + " … " + END + " section");
        }
        Files.writeString(readme, text.substring(0, a + START.length()) + "\n" + table + text.substring(b),
                StandardCharsets.UTF_8);
        System.out.println("updated " + readme);
    }

    void readJmh(Path json) throws IOException {
        for (JsonNode run : new ObjectMapper().readTree(json.toFile())) {
            String name = run.get("benchmark").asText().replace("dev.agentauth.benchmarks.", "");
            JsonNode primary = run.get("primaryMetric");
            double factor = switch (primary.get("scoreUnit").asText()) {
                case "us/op" -> 1_000;
                case "ms/op" -> 1_000_000;
                default -> 1;
            };
            JsonNode alloc = run.path("secondaryMetrics").path("·gc.alloc.rate.norm").path("score");
            double score = primary.get("score").asDouble() * factor;
            double bytes = alloc.isMissingNode() ? -1 : alloc.asDouble();
            jmh.put(name, new double[] {score, primary.get("scoreError").asDouble() * factor, bytes});
            List<double[]> runs = forks.computeIfAbsent(name, k -> new ArrayList<>());
            runs.add(new double[] {score, bytes});
            if (runs.size() > 1) {
                // Several invocations of one benchmark: their mean, ± their standard deviation.
                double mean = runs.stream().mapToDouble(r -> r[0]).average().orElseThrow();
                double var = runs.stream().mapToDouble(r -> (r[0] - mean) * (r[0] - mean)).sum() / (runs.size() - 1);
                jmh.put(name, new double[] {mean, Math.sqrt(var), runs.stream().mapToDouble(r -> r[1]).average()
                        .orElseThrow()});
            }
        }
    }

    /**
     * {@code ours} against {@code plain} when both ran as alternated single-fork invocations: the median of the ratios
     * of each pair (the i-th of each), with their range — a machine whose speed drifts over minutes moves both
     * sides of a pair alike; or {@code null} when they ran once each.
     */
    private double[] pairedRatio(String ours, String plain) {
        List<double[]> o = forks.getOrDefault(ours, List.of());
        List<double[]> p = forks.getOrDefault(plain, List.of());
        int n = Math.min(o.size(), p.size());
        if (n < 2) {
            return null;
        }
        double[] ratios = new double[n];
        for (int i = 0; i < n; i++) {
            ratios[i] = o.get(i)[0] / p.get(i)[0];
        }
        java.util.Arrays.sort(ratios);
        double median = n % 2 == 1 ? ratios[n / 2] : (ratios[n / 2 - 1] + ratios[n / 2]) / 2;
        return new double[] {median, ratios[0], ratios[n - 1], n};
    }

    void readValues(Path file) throws IOException {
        for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
            int eq = line.indexOf('=');
            if (eq > 0 && !line.startsWith("#")) {
                values.put(line.substring(0, eq).trim(), line.substring(eq + 1).trim());
            }
        }
    }

    private double ns(String benchmark) {
        double[] r = jmh.get(benchmark);
        return r == null ? Double.NaN : r[0];
    }

    private String time(String benchmark) {
        double[] r = jmh.get(benchmark);
        if (r == null) {
            return "not run";
        }
        return r[0] >= 10_000 ? String.format(Locale.ROOT, "%.1f ± %.1f µs", r[0] / 1000, r[1] / 1000)
                : String.format(Locale.ROOT, "%.1f ± %.1f ns", r[0], r[1]);
    }

    private String bytes(String benchmark) {
        double[] r = jmh.get(benchmark);
        return r == null || r[2] < 0 ? "" : String.format(Locale.ROOT, ", %.0f B/op", r[2]);
    }

    private String v(String key) {
        return values.getOrDefault(key, "?");
    }

    private static String ratio(double a, double b) {
        return Double.isNaN(a) || Double.isNaN(b) || b == 0 ? "?" : String.format(Locale.ROOT, "%.2f×", a / b);
    }

    private static String verdict(boolean met) {
        return met ? "met" : "**missed**";
    }

    String table() {
        List<String> rows = new ArrayList<>();
        rows.add("| path | this run | goal | result |");
        rows.add("|---|---|---|---|");
        double limit = ns("LimitBenchmark.mapGetAndExpiryCompare");
        rows.add("| the limit: one `ConcurrentHashMap.get` of an immutable entry (4-field record key) + an expiry"
                + " compare | " + time("LimitBenchmark.mapGetAndExpiryCompare")
                + bytes("LimitBenchmark.mapGetAndExpiryCompare") + " | | |");
        double equalKeyLimit = ns("LimitBenchmark.mapGetEqualKey");
        rows.add("| the limit for a key built per call: the same, the key an equal object each call (built beforehand,"
                + " never the same one twice in a row) | " + time("LimitBenchmark.mapGetEqualKey")
                + bytes("LimitBenchmark.mapGetEqualKey") + "; built in the call: " + time("LimitBenchmark.mapGetFreshKey")
                + bytes("LimitBenchmark.mapGetFreshKey") + " | | |");
        for (String[] c : new String[][] {{"CachedTokenBenchmark.userConsent", "cached user token", "the limit"},
                {"CachedTokenBenchmark.clientCredentials", "cached M2M token", "the limit"},
                {"CachedTokenBenchmark.userConsentBoundRequest",
                        "cached user token, request built per call as the agent core builds it (the tool's provider"
                                + " id and scopes; a new principal, with a user string of its own, and a new request)",
                        "the limit for a key built per call"},
                {"CachedTokenBenchmark.userConsentNewRequest",
                        "cached user token, request built per call with `TokenRequest.forUser` (equal, never the same"
                                + " object)",
                        "the limit for a key built per call"}}) {
            double[] r = jmh.get(c[0]);
            double against = c[2].equals("the limit") ? limit : equalKeyLimit;
            boolean met = r != null && r[0] / against <= 1.3 && r[2] <= 0.5;
            rows.add("| `broker.token()`, " + c[1] + " | " + time(c[0]) + bytes(c[0]) + " | ≤ 1.3× " + c[2]
                    + ", 0 B/op | " + ratio(ns(c[0]), against) + ", " + verdict(met) + " |");
        }
        rows.add("| peer: Spring Security 7.1 `AuthorizedClientManager.authorize`, cached client | "
                + time("SpringCachedClientBenchmark.clientCredentials")
                + bytes("SpringCachedClientBenchmark.clientCredentials") + " | | "
                + ratio(ns("SpringCachedClientBenchmark.clientCredentials"), limit) + " the limit |");
        double before = Double.parseDouble(values.getOrDefault("rollover.agentauth.before.p99Us", "NaN"));
        double across = Double.parseDouble(values.getOrDefault("rollover.agentauth.across.p99Us", "NaN"));
        boolean rolloverMet = "1".equals(v("rollover.agentauth.tokenRequests"))
                && "0".equals(v("rollover.agentauth.callsWaitingOnNetwork")) && across / before <= 3;
        rows.add("| rollover, 1,000 callers as the token goes stale (endpoint answers in "
                + RolloverMeasurement.ENDPOINT_DELAY_MS + " ms) | " + v("rollover.agentauth.tokenRequests")
                + " token request, " + v("rollover.agentauth.callsWaitingOnNetwork") + " callers waited on the network;"
                + " p99 " + v("rollover.agentauth.before.p99Us") + " µs before, " + across + " µs across | 1 request,"
                + " 0 waiting, p99 ≤ 3× the cached path | " + ratio(across, before) + ", " + verdict(rolloverMet)
                + " |");
        rows.add("| peer: Spring's manager, same rollover | " + v("rollover.spring.tokenRequests") + " token requests, "
                + v("rollover.spring.callsWaitingOnNetwork") + " callers waited on the network; p99 "
                + v("rollover.spring.across.p99Us") + " µs, max " + v("rollover.spring.across.maxUs") + " µs across"
                + " | | |");
        for (String alg : new String[] {"Rs256", "Es256"}) {
            double ours = ns("VerifierBenchmark.agentAuth" + alg);
            double nimbus = ns("VerifierBenchmark.nimbus" + alg);
            rows.add("| `TokenVerifier.verify`, " + alg.toUpperCase(Locale.ROOT) + ", cached JWKS | "
                    + time("VerifierBenchmark.agentAuth" + alg) + " (raw Nimbus " + time("VerifierBenchmark.nimbus"
                    + alg) + ") | ≥ 0.95× Nimbus's throughput | " + ratio(nimbus, ours) + ", "
                    + verdict(nimbus / ours >= 0.95) + " |");
        }
        double verify = ns("BearerFilterBenchmark.verifyOnly");
        for (String[] f : new String[][] {{"BearerFilterBenchmark.jdkFilter", "`BearerTokenFilter`"},
                {"BearerFilterBenchmark.servletFilter", "`BearerTokenServletFilter`"}}) {
            double added = ns(f[0]) - verify;
            rows.add("| " + f[1] + " on top of `verify` | " + time(f[0]) + " (verify alone " +
                    time("BearerFilterBenchmark.verifyOnly") + ") | ≤ 5 µs added | "
                    + String.format(Locale.ROOT, "%+.1f µs", added / 1000) + ", " + verdict(added <= 5_000) + " |");
        }
        for (String[] m : new String[][] {{"McpOverheadBenchmark.oursLegacy", "McpOverheadBenchmark.plainLegacy",
                "2025-11-25"}, {"McpOverheadBenchmark.ours2026", "McpOverheadBenchmark.plain2026", "2026-07-28"}}) {
            double ours = ns(m[0]);
            double plain = ns(m[1]);
            double[] o = jmh.get(m[0]);
            double[] p = jmh.get(m[1]);
            // Within the two confidence intervals a difference is not one: say so rather than call it either way.
            boolean indistinct = o != null && p != null && Math.abs(ours - plain) <= o[1] + p[1];
            rows.add("| MCP tool call, Streamable HTTP, " + m[2] + " wire, `AuthenticatedMcpServer` | " + time(m[0])
                    + " (plain SDK client, fixed header: " + time(m[1]) + ") | ≤ 5% slower | "
                    + String.format(Locale.ROOT, "%+.1f%%", (ours / plain - 1) * 100) + ", "
                    + (ours / plain <= 1.05 ? "met" : indistinct ? "within the run's noise" : "**missed**") + " |");
        }
        for (String[] t : new String[][] {{"LangChain4jTurnBenchmark", "LangChain4j AI service (`AuthenticatedAgent`)",
                "`@Tool`", "langchain4j"}, {"SpringAiTurnBenchmark",
                "Spring AI `ChatClient` (`AuthenticatedChatClient`)", "`@Tool`", "springai"}}) {
            String ours = t[0] + ".authenticatedToolTurn";
            String plain = t[0] + ".plainToolTurn";
            double[] paired = pairedRatio(ours, plain);
            double ratio = paired != null ? paired[0] : ns(ours) / ns(plain);
            String result = paired == null ? ratio(ns(ours), ns(plain))
                    : String.format(Locale.ROOT, "%.2f× (median of %d alternated pairs of forks, %.2f–%.2f)",
                    paired[0], (int) paired[3], paired[1], paired[2]);
            String interleaved = values.get("turns." + t[3] + ".ratio");
            if (interleaved != null) {
                // A second figure, drift-free but with one JIT for both (TurnInterleavedMeasurement): not the goal's.
                result += "; in one JVM, interleaved: " + interleaved + "× (quartiles " + v("turns." + t[3]
                        + ".ratioQ1") + "–" + v("turns." + t[3] + ".ratioQ3") + ")";
            }
            rows.add("| a whole tool-calling turn (message, tool call, tool, answer; in-process model), " + t[1]
                    + ", `@AuthenticatedTool` with the user's cached token | " + time(ours) + bytes(ours)
                    + " (the framework's plain " + t[2] + ": " + time(plain) + bytes(plain) + ") | ≤ 1.10× the plain"
                    + " tool call | " + result + ", " + verdict(ratio <= 1.10) + " |");
        }
        rows.add("| consent: callback sent → waiting tool call has its token (code redeemed at a loopback IdP) | p50 "
                + v("consent.resumed.p50Ms") + " ms, p99 " + v("consent.resumed.p99Ms") + " ms | | |");
        rows.add("| bytes per cached user grant | " + v("scale.bytesPerCachedGrant") + " B | | |");
        rows.add("| heap after " + v("scale.cacheBound") + " / " + v("scale.users") + " users, cache bound "
                + v("scale.cacheBound") + " | " + v("scale.heapAtBoundKiB") + " KiB / " + v("scale.heapAtEndKiB")
                + " KiB | bounded | " + boundedVerdict() + " |");
        rows.add("| `token()` on PostgreSQL, " + v("scale.pg.grants") + " grants, cold cache | p50 " + v("scale.pg.p50Ms")
                + " ms, p99 " + v("scale.pg.p99Ms") + " ms | | |");
        return String.join("\n", rows) + "\n";
    }

    private String boundedVerdict() {
        try {
            double a = Double.parseDouble(v("scale.heapAtBoundKiB"));
            double b = Double.parseDouble(v("scale.heapAtEndKiB"));
            return verdict(b <= a * 1.1);
        } catch (NumberFormatException e) {
            return "?";
        }
    }

    private PerfTable() {
    }
}
