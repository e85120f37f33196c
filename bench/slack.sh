#!/bin/sh
# Signed Slack Events API requests: fa2 serve's /slack/events vs a minimal @slack/bolt
# app (HTTPReceiver) in the same run, with wrk at BENCH_CONNS keep-alive connections.
# Each request is a distinct, correctly signed event_callback (pre-signed in a wrk Lua
# script), so both servers verify the HMAC on every request. The events are ordinary
# user messages, the bulk of what a message.channels subscription delivers: fa2 verifies,
# parses and acknowledges them on its loop and hands only alarm-source messages to a
# worker (those are de-duplicated and persisted; t_slack_flow covers that path). Prints requests/s, ack latency p50/p99 and the fa2/Bolt ratio.
# Servers are pinned to CPU 0 and wrk to CPU 1 when possible. Never asserts timings.
# Environment: FA2 (default build/fa2), BENCH_SECONDS (default 5), BENCH_CONNS (default 50).
set -eu
ROOT=$(cd "$(dirname "$0")/.." && pwd)
FA2=${FA2:-$ROOT/${BUILD:-build}/fa2}
SECS=${BENCH_SECONDS:-5}
CONNS=${BENCH_CONNS:-50}
NODE_DIR="$ROOT/tests/node"
for t in wrk node python3; do
	command -v "$t" >/dev/null 2>&1 || { echo "bench/slack.sh: $t not installed (tools/setup-deps.sh test)"; exit 0; }
done
[ -d "$NODE_DIR/node_modules/@slack/bolt" ] || { echo "bench/slack.sh: run tools/setup-deps.sh (npm ci in tests/node)"; exit 0; }
[ -x "$FA2" ] || { echo "bench/slack.sh: $FA2 not built (make)"; exit 1; }
ulimit -n 65536 2>/dev/null || true

T=$(mktemp -d "${TMPDIR:-/tmp}/fa2-bench-slack-XXXXXX")
FA2_PID="" BOLT_PID=""
cleanup() {
	for p in $FA2_PID $BOLT_PID; do kill "$p" 2>/dev/null && wait "$p" 2>/dev/null; done
	[ -n "${BENCH_KEEP:-}" ] && echo "kept $T" || rm -rf "$T"
}
trap cleanup EXIT INT TERM
PIN_SRV="" PIN_WRK=""
if command -v taskset >/dev/null 2>&1 && [ "$(nproc)" -ge 2 ]; then
	PIN_SRV="taskset -c 0" PIN_WRK="taskset -c 1"
fi
free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}
wait_port() {
	i=0
	while ! python3 -c "import socket; socket.create_connection(('127.0.0.1',$1),timeout=1)" 2>/dev/null; do
		i=$((i + 1)); [ $i -lt 200 ] || { echo "bench: nothing listens on $1"; exit 1; }
		sleep 0.05
	done
}

SECRET=$(python3 -c 'import secrets; print(secrets.token_hex(16))')
export SLACK_SIGNING_SECRET="$SECRET"
unset SLACK_BOT_TOKEN || true
python3 "$ROOT/bench/slack_events.py" "$SECRET" 20000 "$T/events.lua"

P1=$(free_port)
FA2_STATE_DIR="$T/state" $PIN_SRV "$FA2" serve --listen "127.0.0.1:$P1" > "$T/fa2.log" 2>&1 &
FA2_PID=$!
P2=$(free_port)
(cd "$NODE_DIR" && NODE_PATH="$NODE_DIR/node_modules" exec $PIN_SRV node "$ROOT/bench/slack_bolt_receiver.js" "$P2") > "$T/bolt.log" 2>&1 &
BOLT_PID=$!
wait_port "$P1"
wait_port "$P2"

run() { # name port
	$PIN_WRK wrk -t1 -c"$CONNS" -d1s -s "$T/events.lua" "http://127.0.0.1:$2" > /dev/null 2>&1 || true  # warm-up
	$PIN_WRK wrk -t1 -c"$CONNS" -d"${SECS}s" --latency -s "$T/events.lua" "http://127.0.0.1:$2" > "$T/$1.out" 2>&1
	grep RESULT "$T/$1.out" | sed "s/^RESULT/$1/"
}
echo "signed Events API requests, $CONNS connections, ${SECS}s each ($(nproc) CPUs)"
F=$(run fa2 "$P1")
B=$(run bolt "$P2")
echo "$F"
echo "$B"
python3 - "$F" "$B" <<'PY'
import sys
def kv(s): return {k: float(v) for k, v in (x.split("=") for x in s.split()[1:])}
f, b = kv(sys.argv[1]), kv(sys.argv[2])
print("ratio fa2/bolt acknowledged (2xx) requests/s: %.1fx; p99 fa2 %.2f ms vs bolt %.2f ms" %
      (f["ok_rps"] / max(b["ok_rps"], 1), f["p99_ms"], b["p99_ms"]))
if b["non2xx"]:
    print("note: Bolt answered %d requests with a non-2xx status; "
          "ok_rps counts 2xx answers only" % b["non2xx"])
PY
grep -c 'rejected' "$T/fa2.log" | sed 's/^/fa2 rejected requests: /'
