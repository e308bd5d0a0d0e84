#!/usr/bin/env bash
# Runs every benchmark of issue "performance against the limit and the peers" in one go, on this machine, and
# regenerates the performance table of docs/performance.md (between <!-- perf-table:start --> and <!-- perf-table:end -->).
# Every goal there is a ratio between figures of this same run, so the machine's speed cancels out.
#
#   - JMH, one invocation (-prof gc): the cached path and the limit, Spring Security's cached client, token
#     verification against raw Nimbus, the bearer filters on top of verification, an MCP tool call through
#     AuthenticatedMcpServer against the plain SDK client (both wires); a whole tool-calling turn through each agent
#     framework adapter (LangChain4j, Spring AI) against the framework's plain tool call;
#   - harnesses: TurnInterleavedMeasurement (the two turns again, interleaved in one JVM: a drift-free second figure),
#     RolloverMeasurement (1,000 callers across a rollover, agent-auth and Spring),
#     ConsentLatencyMeasurement (callback -> waiting call resumed), ScaleMeasurement (bytes per grant, 1,000,000 users,
#     PostgreSQL cold cache).
#
# Takes about 22 minutes on 2 cores. Raw results land in target/perf/. FORKS=2 (or more) for steadier figures.
# Not part of .ci/run: speed is measured here, never asserted in tests.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
mvn -B -q -ntp package -DskipTests -pl benchmarks -am
JAR=benchmarks/target/benchmarks.jar
OUT=target/perf
rm -rf "$OUT" && mkdir -p "$OUT"
FORKS="${FORKS:-1}"

echo "== JMH ($FORKS fork(s))"
java -jar "$JAR" \
  'CachedTokenBenchmark|LimitBenchmark|SpringCachedClientBenchmark.clientCredentials$|VerifierBenchmark|BearerFilterBenchmark' \
  -f "$FORKS" -wi 3 -w 2s -i 5 -r 2s -prof gc -bm avgt -tu ns -rf json -rff "$OUT/jmh.json" > "$OUT/jmh.log" 2>&1
echo "== JMH, MCP tool calls (a loopback HTTP round trip varies far more: 2 forks more, 8 iterations)"
java -jar "$JAR" McpOverheadBenchmark -f "$((FORKS + 1))" -wi 5 -w 2s -i 8 -r 2s -bm avgt -tu us \
  -rf json -rff "$OUT/jmh-mcp.json" > "$OUT/jmh-mcp.log" 2>&1
echo "== JMH, whole tool-calling turns through each agent framework adapter against the framework's plain tool call"
# One fork per invocation, the plain and the authenticated turn alternated (which goes first alternates too), PAIRS
# rounds: a shared machine's speed drifts over minutes, and JMH's own forks of one benchmark all run before the next's.
# The goal's ratio is the median of the pairs' ratios.
PAIRS="${PAIRS:-7}"
mkdir -p "$OUT/turns"
TURN_JSON=()
for round in $(seq 1 "$PAIRS"); do
  for bench in LangChain4jTurnBenchmark SpringAiTurnBenchmark; do
    order="plainToolTurn authenticatedToolTurn"
    [ $((round % 2)) -eq 0 ] && order="authenticatedToolTurn plainToolTurn"
    for turn in $order; do
      json="$OUT/turns/$round-$bench.$turn.json"
      java -jar "$JAR" "$bench.$turn\$" -f 1 -wi 4 -w 2s -i 6 -r 2s -prof gc -bm avgt -tu us -rf json -rff "$json" \
        >> "$OUT/jmh-turns.log" 2>&1
      TURN_JSON+=("$json")
    done
  done
done
echo "== whole turns again, in one JVM with the plain and the authenticated turn interleaved (a second, drift-free figure)"
java -Xms1g -Xmx1g -Dorg.slf4j.simpleLogger.defaultLogLevel=warn -cp "$JAR" \
  dev.agentauth.benchmarks.TurnInterleavedMeasurement 2>"$OUT/turns-interleaved.err" | grep '=' > "$OUT/turns-interleaved.txt"
echo "== rollover"
java -Xmx2g -cp "$JAR" dev.agentauth.benchmarks.RolloverMeasurement 2>"$OUT/rollover.err" | grep '=' > "$OUT/rollover.txt"
echo "== consent latency"
java -cp "$JAR" dev.agentauth.benchmarks.ConsentLatencyMeasurement 2>"$OUT/consent.err" | grep '=' > "$OUT/consent.txt"
echo "== scale"
java -Xmx2g -cp "$JAR" dev.agentauth.benchmarks.ScaleMeasurement 2>"$OUT/scale.err" | grep '=' > "$OUT/scale.txt"
java -cp "$JAR" dev.agentauth.benchmarks.PerfTable "$OUT/jmh.json" "$OUT/jmh-mcp.json" "${TURN_JSON[@]}" "$OUT/turns-interleaved.txt" \
  "$OUT/rollover.txt" "$OUT/consent.txt" "$OUT/scale.txt" --readme docs/performance.md
java -cp "$JAR" dev.agentauth.benchmarks.PerfTable "$OUT/jmh.json" "$OUT/jmh-mcp.json" "${TURN_JSON[@]}" "$OUT/turns-interleaved.txt" \
  "$OUT/rollover.txt" "$OUT/consent.txt" "$OUT/scale.txt" | tee "$OUT/table.md"
