#!/usr/bin/env bash
# The demo: each stage that exists, end to end, into ./instance. Run by `make demo`.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/.venv/bin:$PATH"
export MONITOR_INSTANCE_DIR="${MONITOR_INSTANCE_DIR:-$PWD/instance}"

echo "== 1. store: create or upgrade the schema"
monitor init-db
echo

echo "== 2. simulated city: generate ./demo-city and serve it in the background"
SIM_PORT="${SIM_PORT:-8765}"
if [ -f demo-city/serve.pid ]; then kill "$(cat demo-city/serve.pid)" 2>/dev/null || true; rm -f demo-city/serve.pid; fi
monitor simulate --seed 7 --out demo-city --force
nohup monitor serve-sim demo-city --port "$SIM_PORT" > demo-city/serve.log 2>&1 &
echo $! > demo-city/serve.pid
for _ in $(seq 50); do python -c "import urllib.request,sys; urllib.request.urlopen(sys.argv[1], timeout=1)" "http://127.0.0.1:$SIM_PORT/robots.txt" 2>/dev/null && break; sleep 0.2; done
echo "simulated web: http://127.0.0.1:$SIM_PORT/  (sources: demo-city/sources.csv; stop: kill \$(cat demo-city/serve.pid))"
echo
echo "== what the store holds"
monitor status
echo
echo "Done. Settings: 'monitor config show'. Store: $MONITOR_INSTANCE_DIR"
