package dev.agentauth.benchmarks;

import java.util.Arrays;
import java.util.Locale;
import java.util.function.Supplier;

/**
 * The whole-turn ratios of {@link LangChain4jTurnBenchmark} and {@link SpringAiTurnBenchmark} measured in one JVM,
 * the plain and the authenticated turn interleaved: after a 20 s warm-up of both, rounds of a block of plain turns and
 * a block of authenticated turns (which block goes first alternates), each round's ratio taken, the median of the
 * rounds reported with its quartiles. A drift of the machine's speed falls on both sides of each round alike, which
 * the JMH figures (one fork per side, minutes apart) cannot promise on a shared machine. What it gives up: the two
 * services share one JIT, so the framework's own code is compiled for both — a second figure beside JMH's, not the
 * goal's. A harness, not JMH.
 *
 * <p>Run: {@code java -Xms1g -Xmx1g -cp benchmarks/target/benchmarks.jar
 * dev.agentauth.benchmarks.TurnInterleavedMeasurement}. Prints {@code turns.<adapter>.*=} lines.
 */
public final class TurnInterleavedMeasurement {

    static final long WARMUP_NANOS = 20_000_000_000L;
    static final int ROUNDS = 60;

    private static volatile Object sink;

    public static void main(String[] args) {
        LangChain4jTurnBenchmark lc = new LangChain4jTurnBenchmark();
        run("langchain4j", lc::setUp, lc::plainToolTurn, lc::authenticatedToolTurn, lc::tearDown, 10_000);
        SpringAiTurnBenchmark sa = new SpringAiTurnBenchmark();
        run("springai", sa::setUp, sa::plainToolTurn, sa::authenticatedToolTurn, sa::tearDown, 2_500);
    }

    private static void run(String name, Runnable setUp, Supplier<String> plain, Supplier<String> authenticated,
                            Runnable tearDown, int block) {
        setUp.run();
        try {
            measure(name, plain, authenticated, block);
        } finally {
            tearDown.run();
        }
    }

    static void measure(String name, Supplier<String> plain, Supplier<String> authenticated, int block) {
        long end = System.nanoTime() + WARMUP_NANOS;
        while (System.nanoTime() < end) {
            time(plain, block);
            time(authenticated, block);
        }
        double[] ratios = new double[ROUNDS];
        double plainSum = 0;
        double authenticatedSum = 0;
        for (int i = 0; i < ROUNDS; i++) {
            double p;
            double a;
            if (i % 2 == 0) {
                p = time(plain, block);
                a = time(authenticated, block);
            } else {
                a = time(authenticated, block);
                p = time(plain, block);
            }
            ratios[i] = a / p;
            plainSum += p;
            authenticatedSum += a;
        }
        Arrays.sort(ratios);
        System.out.println(String.format(Locale.ROOT, "turns.%s.plainNs=%.0f", name, plainSum / ROUNDS));
        System.out.println(String.format(Locale.ROOT, "turns.%s.authenticatedNs=%.0f", name,
                authenticatedSum / ROUNDS));
        System.out.println(String.format(Locale.ROOT, "turns.%s.ratio=%.3f", name, ratios[ROUNDS / 2]));
        System.out.println(String.format(Locale.ROOT, "turns.%s.ratioQ1=%.3f", name, ratios[ROUNDS / 4]));
        System.out.println(String.format(Locale.ROOT, "turns.%s.ratioQ3=%.3f", name, ratios[3 * ROUNDS / 4]));
    }

    /** Nanoseconds per turn over {@code n} turns. */
    private static double time(Supplier<String> turn, int n) {
        long start = System.nanoTime();
        for (int i = 0; i < n; i++) {
            sink = turn.get();
        }
        return (System.nanoTime() - start) / (double) n;
    }

    private TurnInterleavedMeasurement() {
    }
}
