#!/bin/sh
# fa2 patterns: CLI contract (stdin/files, CRLF, last line without LF, --assign, JSON,
# timestamps, options) and grouping and parsing accuracy on loghub systems, scored by
# bench/patterns_score.py against the hand-labelled ground truth.
set -eu
fail() { echo "FAIL: $*"; exit 1; }
T=$FA2_TMP
B=$FA2_ROOT/bench

# --help and usage errors
"$FA2" patterns --help | grep -q -- '--assign' || fail "--help lacks --assign"
set +e
"$FA2" patterns --bogus </dev/null >/dev/null 2>&1; rc=$?
[ $rc -eq 2 ] || fail "unknown option: exit $rc, want 2"
"$FA2" patterns --sim 2 </dev/null >/dev/null 2>&1; rc=$?
[ $rc -eq 2 ] || fail "--sim 2: exit $rc, want 2"
"$FA2" patterns --depth 2 </dev/null >/dev/null 2>&1; rc=$?
[ $rc -eq 2 ] || fail "--depth 2: exit $rc, want 2"
"$FA2" patterns "$T/does-not-exist" >/dev/null 2>&1; rc=$?
[ $rc -eq 1 ] || fail "missing file: exit $rc, want 1"
set -e

# CRLF endings, a last line without a terminator, stdin
printf 'Connection from 10.0.0.1 closed\r\nConnection from 10.0.0.2 closed\r\nuser alice logged in\r\nConnection from 10.0.0.3 closed' > "$T/a.log"
"$FA2" patterns --assign < "$T/a.log" > "$T/a.out"
[ "$(wc -l < "$T/a.out")" -eq 4 ] || fail "assign: want 4 lines, got $(cat "$T/a.out")"
printf '1\t1\tConnection from <*> closed\n2\t1\tConnection from <*> closed\n3\t2\tuser alice logged in\n4\t1\tConnection from <*> closed\n' > "$T/a.want"
cmp -s "$T/a.out" "$T/a.want" || { cat "$T/a.out"; fail "assign output differs"; }
# table: sorted by count, counts right; two files continue the line numbering
"$FA2" patterns "$T/a.log" "$T/a.log" > "$T/t.out"
sed -n 3p "$T/t.out" | grep -q '^1 *6 .*Connection from <\*> closed$' || { cat "$T/t.out"; fail "table row 1"; }
sed -n 4p "$T/t.out" | grep -q '^2 *2 .*user alice logged in$' || { cat "$T/t.out"; fail "table row 2"; }
"$FA2" patterns --assign "$T/a.log" "$T/a.log" | tail -n 1 | grep -q '^8	1	' || fail "numbering across files"

# a line longer than the read buffer is cut, not split; the lines after it are intact
python3 -c 'import sys; sys.stdout.write("x " * 1500000 + "\nabc 1 done\nabc 2 done\n" + "y" * 3000000)' > "$T/long.log"
"$FA2" patterns --assign "$T/long.log" > "$T/long.out"
[ "$(wc -l < "$T/long.out")" -eq 4 ] || fail "long lines: want 4 lines, got $(wc -l < "$T/long.out")"
sed -n 2p "$T/long.out" | grep -q '^2	2	abc <\*> done$' || fail "line after a long one: $(sed -n 2p "$T/long.out")"
sed -n 3p "$T/long.out" | grep -q '^3	2	abc <\*> done$' || fail "second line after a long one"

# leading ISO timestamps feed first/last; severity guess; JSON parses
printf '2026-11-25T08:00:00Z ERROR db timeout after 30 ms\n2026-11-25T08:05:00Z ERROR db timeout after 31 ms\n2026-11-25T08:01:00.250Z INFO ok\n' > "$T/ts.log"
"$FA2" patterns --format json "$T/ts.log" > "$T/ts.json"
python3 - "$T/ts.json" <<'PY' || fail "json table"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["lines"] == 3, d
p = d["patterns"][0]
assert p["count"] == 2 and p["severity"] == "ERROR", p
assert p["first"] == "2026-11-25T08:00:00.000Z" and p["last"] == "2026-11-25T08:05:00.000Z", p
assert p["template"] == "<*> ERROR db timeout after <*> ms", p
assert p["examples"][0].startswith("2026-11-25T08:00:00Z ERROR"), p
assert d["patterns"][1]["severity"] == "INFO", d
PY
"$FA2" patterns "$T/ts.log" | grep -q '2026-11-25T08:00:00.000Z' || fail "text table lacks first time"
"$FA2" patterns --assign --format json "$T/ts.log" | python3 -c 'import json,sys; a=json.load(sys.stdin); assert [x["id"] for x in a]==[1,1,2], a' || fail "json assign"
# the template cap holds
"$FA2" patterns --max-templates 1 "$T/ts.log" | head -n 1 | grep -q '1 templates' || fail "--max-templates"

# ASan build on the same inputs (memory errors abort)
if [ -x "$FA2_ASAN" ]; then
	"$FA2_ASAN" patterns --assign "$T/a.log" "$T/ts.log" "$T/long.log" > /dev/null || fail "asan run"
fi

# grouping accuracy on loghub (skip when the shared test data is absent)
LH=$FA2_TESTDATA/loghub
if [ ! -f "$LH/OpenSSH/OpenSSH_2k.log_structured.csv" ]; then
	echo "loghub test data absent: $LH"
	exit 77
fi
for sys in OpenSSH HDFS; do
	python3 "$B/loghub_content.py" "$LH/$sys/${sys}_2k.log_structured.csv" "$T/$sys.txt" "$T/$sys.truth" "$T/$sys.tpl"
	"$FA2" patterns --assign "$T/$sys.txt" > "$T/$sys.out"
	acc=$(python3 "$B/patterns_score.py" --floor 0.90 --pa-floor 0.90 "$T/$sys.truth" "$T/$sys.out" \
		"$T/$sys.tpl" "$T/$sys.txt") || fail "$sys grouping/parsing accuracy $acc below 0.90"
	echo "$sys grouping and parsing accuracy $acc"
	# constants with digits are shown as they are (ssh2, not ssh<*>)
	if [ "$sys" = OpenSSH ]; then
		grep -q '	Failed password for <\*> from <\*> port <\*> ssh2$' "$T/$sys.out" || fail "OpenSSH: ssh2 not kept"
	fi
	if [ -x "$FA2_ASAN" ]; then
		"$FA2_ASAN" patterns --assign "$T/$sys.txt" | cmp -s - "$T/$sys.out" || fail "$sys: asan build differs"
	fi
done
echo "patterns ok"
