#!/usr/bin/env bash
# The demo: each stage that exists, end to end, into ./instance. Run by `make demo`.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/.venv/bin:$PATH"
export MONITOR_INSTANCE_DIR="${MONITOR_INSTANCE_DIR:-$PWD/instance}"

echo "== 1. store: create or upgrade the schema"
monitor init-db
echo
echo "== what the store holds"
monitor status
echo
echo "Done. Settings: 'monitor config show'. Store: $MONITOR_INSTANCE_DIR"
