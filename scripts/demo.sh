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
up=""
for _ in $(seq 100); do
  python -c "import urllib.request,sys; urllib.request.urlopen(sys.argv[1], timeout=1)" "http://127.0.0.1:$SIM_PORT/robots.txt" 2>/dev/null && { up=1; break; }
  sleep 0.2
done
[ -n "$up" ] || { echo "error: the simulated web did not answer on port $SIM_PORT (log: demo-city/serve.log)" >&2; exit 1; }
echo "simulated web: http://127.0.0.1:$SIM_PORT/  (sources: demo-city/sources.csv; stop: kill \$(cat demo-city/serve.pid))"
echo
echo "== 3. the chain, replayed over the city's past (the simulated city lives in the past)"
export MONITOR_CRAWL_BASE_URL="http://127.0.0.1:$SIM_PORT" MONITOR_DROP_DIR="$PWD/demo-city/transfers"
export MONITOR_CRAWL_DELAY=0 MONITOR_CRAWL_AUTOTHROTTLE=false MONITOR_CRAWL_CONCURRENCY_PER_HOST=16
python -c "from monitor.config import load_config; from crawlers.run import load_sources, read_sources_csv; print(load_sources(load_config(), read_sources_csv('demo-city/sources.csv')), 'sources known')"
# Sweep dates: 5 days after each month end of the city's last REPLAY_MONTHS months. The first sweep
# also crawls the served city and ingests demo-city/transfers (--collect); every sweep judges only
# what was available at its date, so score history and alerts unfold as the bureau would have seen them.
REPLAY_MONTHS="${REPLAY_MONTHS:-12}"
DATES=$(python -c "
import json, calendar, datetime, sys
t = json.load(open('demo-city/truth.json')); y0, m0 = map(int, t['start'].split('-')[:2]); n = int(t['months'])
for i in range(max(0, n - int(sys.argv[1])), n):
    y, m = divmod(y0 * 12 + m0 - 1 + i, 12); m += 1
    print(datetime.date(y, m, calendar.monthrange(y, m)[1]) + datetime.timedelta(days=5))" "$REPLAY_MONTHS")
FIRST=$(echo "$DATES" | head -1); END=$(echo "$DATES" | tail -1)
# Prints each stage of the sweeps started after this call as it starts and ends (the sweep records
# its stages in the store as it goes; the command itself prints its table only at the end).
LAST_RUN=$(python -c "
from sqlmodel import func, select
from monitor.config import load_config; from monitor.db import session_scope; from monitor.models import SweepRun
with session_scope(load_config()) as s: print(s.exec(select(func.max(SweepRun.id))).one() or 0)")
python -u -c "
import sys, time
from sqlmodel import select
from monitor.config import load_config; from monitor.db import session_scope; from monitor.models import SweepRun
cfg, after, seen = load_config(), int(sys.argv[1]), {}
while True:
    try:
        with session_scope(cfg) as s:
            run = s.exec(select(SweepRun).where(SweepRun.id > after).order_by(SweepRun.id)).first()
            stages = dict(run.stages or {}) if run else {}
    except Exception:  # the store busy with the sweep's own writes: look again next second
        stages = {}
    for name, e in stages.items():
        if seen.get(name) != e.get('status'):
            seen[name] = e.get('status')
            took = f\" in {e['seconds']:.1f} s\" if 'seconds' in e else ''
            print(f'   {time.strftime(\"%H:%M:%S\")} {name}: {seen[name]}{took}')
    time.sleep(1)" "$LAST_RUN" &
PROGRESS=$!
echo "-- sweep as of $FIRST, collecting first (crawl + ingest; a few minutes)"
rc=0; monitor sweep --as-of "$FIRST" --collect || rc=$?
kill "$PROGRESS" 2>/dev/null || true; wait "$PROGRESS" 2>/dev/null || true
[ "$rc" -eq 0 ] || { echo "error: the first sweep failed (exit $rc): see the stage table above" >&2; exit "$rc"; }
for d in $(echo "$DATES" | tail -n +2); do
  echo "-- sweep as of $d"
  rc=0; out=$(monitor sweep --as-of "$d") || rc=$?
  [ "$rc" -eq 0 ] || { echo "$out"; echo "error: the sweep as of $d failed (exit $rc)" >&2; exit "$rc"; }
  echo "${out%%$'\n'*}"
done
echo "== 4. open alerts as of $END"
monitor alerts list --open | tail -12
echo "(triage: monitor alerts show ID / triage / assign / note / close; rules: monitor rules show / set)"
echo
echo "== 4b. briefings (PDF): the city briefing of the replay week and the dossier of the riskiest institution"
WEEK_START=$(python -c "import datetime, sys; print(datetime.date.fromisoformat(sys.argv[1]) - datetime.timedelta(days=6))" "$END")
monitor brief city --period "$WEEK_START..$END" --out "$MONITOR_INSTANCE_DIR/city-briefing.pdf" --force
TOP=$(python -c "
from sqlmodel import select
from monitor.config import load_config; from monitor.db import session_scope; from monitor.models import Score
with session_scope(load_config()) as s:
    top = s.exec(select(Score).order_by(Score.as_of.desc(), Score.score.desc())).first()
    print(top.institution_id if top else '')")
if [ -n "$TOP" ]; then monitor brief institution "$TOP" --out "$MONITOR_INSTANCE_DIR/dossier-$TOP.pdf" --force; fi
echo "(archive: $MONITOR_INSTANCE_DIR/briefings; more: monitor brief city --week YYYY-Www --out FILE.pdf)"
echo

echo "== what the store holds"
monitor status
echo
echo "Done. Settings: 'monitor config show'. Store: $MONITOR_INSTANCE_DIR"

echo
echo "== 5. the portal: one user per role (credentials kept in \$MONITOR_INSTANCE_DIR/demo-users.txt)"
CREDS="$MONITOR_INSTANCE_DIR/demo-users.txt"
CITY_CODE=$(python -c "from monitor.config import load_config; print(load_config().city[:32])")
if [ ! -s "$CREDS" ]; then
  umask 077
  for role in inspector supervisor admin; do
    pw=$(python -c "import secrets; print(secrets.token_urlsafe(9))")
    monitor users add "demo-$role" --role "$role" --jurisdiction "$CITY_CODE" --password="$pw" >/dev/null \
      && echo "demo-$role  $pw  ($role)" >> "$CREDS"
  done
fi
cat "$CREDS"
PORTAL_PORT="${PORTAL_PORT:-5000}"
echo "portal: http://127.0.0.1:$PORTAL_PORT/  (gunicorn; Ctrl-C stops it, the simulated web keeps running)"
exec monitor web --gunicorn --workers 2 --host 127.0.0.1 --port "$PORTAL_PORT"
