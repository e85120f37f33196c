#!/bin/sh
# fa2 analyze and fa2 sessions from the outside: option and config validation with exit
# code 2 and messages naming the problem, a model that cannot be reached (no credentials:
# a partial report and exit 1), and the session store (list, show, resume lock, prune).
set -u
fail() { echo "FAIL: $*"; exit 1; }
T=$FA2_TMP
export FA2_STATE_DIR="$T/state"
unset FA2_CONFIG
# No ambient AWS settings and nothing off this machine: no credentials, no IMDS, every
# endpoint on a closed loopback port.
for v in $(env | sed -n 's/^\(AWS_[A-Z0-9_]*\)=.*/\1/p'); do unset "$v"; done
export AWS_EC2_METADATA_DISABLED=true AWS_CONFIG_FILE="$T/no-config" \
	AWS_SHARED_CREDENTIALS_FILE="$T/no-credentials" AWS_ENDPOINT_URL=http://127.0.0.1:9

# expect CODE PATTERN CMD...: runs CMD, checks the exit code and that stderr+stdout match.
expect() {
	code=$1 pat=$2; shift 2
	"$@" > "$T/out" 2>&1; rc=$?
	[ "$rc" -eq "$code" ] || { cat "$T/out"; fail "$* exited $rc, want $code"; }
	grep -q -- "$pat" "$T/out" || { cat "$T/out"; fail "$*: output lacks '$pat'"; }
}

for bin in "$FA2" "$FA2_ASAN"; do
	[ -x "$bin" ] || continue
	expect 0 "--from TIME" "$bin" analyze --help
	expect 2 "--from is required" "$bin" analyze --event x
	expect 2 "--event is required" "$bin" analyze --from -1h
	expect 2 "--event is required" "$bin" analyze --from -1h --event "   "
	expect 0 "--alarm NAME" "$bin" analyze --help
	expect 2 "go with --alarm" "$bin" analyze --from -1h --event x --region us-east-1
	expect 2 "take minutes" "$bin" analyze --alarm a --before 1h
	expect 2 "is not a time" "$bin" analyze --from yesterday --event x
	expect 2 "--to must be after --from" "$bin" analyze --from -1h --to -2h --event x
	expect 2 "longer than 31 days" "$bin" analyze --from -40d --event x
	expect 2 "--format must be md, json or pdf" "$bin" analyze --from -1h --event x --format html
	expect 2 "--lang must be en or ja" "$bin" analyze --from -1h --event x --lang de
	expect 2 "--tz 'Mars/Olympus': no such zone" "$bin" analyze --from -1h --event x --tz Mars/Olympus
	expect 2 "not a zone name or UTC offset" "$bin" analyze --from -1h --event x --tz ../../etc/passwd
	expect 2 "--format pdf writes a binary file" script -qec "$bin analyze --from -1h --event x --format pdf" /dev/null
	echo '{"timeZone": "Asia/Nowhere"}' > "$T/tz.json"
	expect 2 "'timeZone' must be a time zone, got \"Asia/Nowhere\"" "$bin" analyze --from -1h --event x --config "$T/tz.json"
	expect 2 "unknown argument '--frob'" "$bin" analyze --frob
	expect 2 "needs a value" "$bin" analyze --from
	expect 2 "no such file" "$bin" analyze --from -1h --event x --config "$T/none.json"
	echo '{"maxAgentCycles": 0}' > "$T/bad.json"
	expect 2 "'maxAgentCycles' must be an integer from 1 to 50, got 0" "$bin" analyze --from -1h --event x --config "$T/bad.json"
	expect 2 "maxAgentCycles" env FA2_CONFIG="$T/bad.json" "$bin" analyze --from -1h --event x
	echo '{"llm": {"provider": "openai", "endpoint": "http://127.0.0.1:9/v1", "apiKeyEnv": "FA2_TEST_NO_SUCH_KEY"}}' > "$T/oa.json"
	expect 2 "FA2_TEST_NO_SUCH_KEY, which is not set" "$bin" analyze --from -1h --event x --config "$T/oa.json"
	expect 2 "prompt directory $T/nope: does not exist" "$bin" analyze --from -1h --event x --prompts "$T/nope"
	# Everything valid but no AWS credentials: a partial report naming the failure, exit 1.
	echo '{"language": "ja", "env": {"region": "us-east-1"}, "cwLogsLogGroups": ["/ecs/api"], "maxAgentCycles": 3, "llm": {"maxRetries": 0}}' > "$T/ok.json"
	expect 1 "partial report (authentication failed" "$bin" analyze --from "2026-11-25T08:00:00+09:00" --to "2026-11-25T08:30:00+09:00" --event "ALB 5xx" --config "$T/ok.json" --format json
	grep -q '"status":.*"partial"' "$T/out" || fail "no partial report on stdout"
done

# A session store with one finished and one interrupted session.
S="$T/state/sessions"
mkdir -p "$S/20261125-080000-aaaa0001" "$S/20261125-090000-bbbb0002"
cat > "$S/20261125-080000-aaaa0001/summary.json" <<JSON
{"status": "done", "event": "ALB 5xx alarm", "cycles": 2, "maxCycles": 5, "from": "2026-11-25T08:00:00Z", "to": "2026-11-25T08:45:00Z", "updated": 1000, "id": "20261125-080000-aaaa0001"}
JSON
printf '# Failure analysis report\n\n## Summary\n\nPool exhausted.\n' > "$S/20261125-080000-aaaa0001/report.md"
printf '{"schemaVersion": 1, "status": "complete"}\n' > "$S/20261125-080000-aaaa0001/report.json"
now_ms=$(( $(date +%s) * 1000 ))
cat > "$S/20261125-090000-bbbb0002/summary.json" <<JSON
{"status": "running", "event": "RDS CPU", "cycles": 1, "maxCycles": 5, "updated": $now_ms, "id": "20261125-090000-bbbb0002"}
JSON
printf '{"type":"start","v":1,"event":"RDS CPU","fromMs":1795593600000,"toMs":1795595400000,"language":"en","maxCycles":5,"seq":0,"t":1}\n' > "$S/20261125-090000-bbbb0002/journal.jsonl"
printf '{"type":"message","cycle":0,"message":{"role":"user","blocks":[{"kind":"text","text":"Incident: RDS CPU"}]},"seq":1,"t":2}\n' >> "$S/20261125-090000-bbbb0002/journal.jsonl"

expect 0 "20261125-080000-aaaa0001 *done" "$FA2" sessions list
expect 0 "20261125-090000-bbbb0002 *running" "$FA2" sessions list
expect 0 '"id":.*"20261125-090000-bbbb0002"' "$FA2" sessions list --json
expect 0 "Pool exhausted." "$FA2" sessions show 20261125-080000-aaaa0001
expect 0 "status:   done" "$FA2" sessions show 20261125-080000-aaaa0001
expect 0 '"schemaVersion": 1' "$FA2" sessions show 20261125-080000-aaaa0001 --format json
expect 0 '"type":"start"' "$FA2" sessions show 20261125-090000-bbbb0002 --format journal
expect 0 "no report yet" "$FA2" sessions show 20261125-090000-bbbb0002
expect 2 "is not a session id" "$FA2" sessions show ../../etc
expect 2 "no session nope" "$FA2" sessions show nope
expect 2 "needs a session ID" "$FA2" sessions resume
expect 2 "unknown action 'frob'" "$FA2" sessions frob
# resume goes through the analyze path: no credentials here, so a partial report.
expect 1 "partial report (authentication failed" "$FA2" sessions resume 20261125-090000-bbbb0002 --config "$T/ok.json"
expect 2 "no session zzzz" "$FA2" sessions resume zzzz
# Another process holds the session: resume refuses (flock from util-linux).
if command -v flock >/dev/null 2>&1; then
	flock "$S/20261125-090000-bbbb0002/lock" sleep 3 &
	holder=$!
	sleep 0.5
	expect 1 "being driven by another process" "$FA2" sessions resume 20261125-090000-bbbb0002
	kill $holder 2>/dev/null; wait $holder 2>/dev/null
fi
# Retention: the finished session is old (updated at epoch + 1 s), the other is fresh.
expect 0 "removed 1 expired session " "$FA2" sessions prune
[ ! -d "$S/20261125-080000-aaaa0001" ] || fail "expired session not removed"
[ -d "$S/20261125-090000-bbbb0002" ] || fail "fresh session removed"
echo '{"sessionRetentionDays": 0}' > "$T/keep.json"
expect 0 "removed 0 expired sessions" "$FA2" sessions prune --config "$T/keep.json"
expect 0 "20261125-090000-bbbb0002" "$FA2" sessions list --state-dir "$T/state"
echo "agent cli ok"
