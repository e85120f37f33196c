#!/bin/sh
# Runs every integration test: tests/integration/t_*.sh and t_*.py, each in its own
# scratch directory, each with a time limit (FA2_ITEST_TIMEOUT, default 300 s; a test may
# raise its own with "# itest-timeout: SECONDS" in its first lines). A test exits 0 (pass), 77 (skipped: a peer
# it needs is missing; it prints why) or anything else (fail).
# Environment for the tests: FA2 (the binary), FA2_ASAN (the ASan build), FA2_ROOT,
# FA2_TESTDATA, FA2_TMP (scratch dir). Usage: run.sh [NAME-FILTER...]
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
B="$ROOT/${BUILD:-build}"
export FA2_ROOT="$ROOT"
export FA2="${FA2:-$B/fa2}"
export FA2_ASAN="${FA2_ASAN:-$B/asan/fa2}"
export FA2_TESTDATA="${FA2_TESTDATA:-$ROOT/../shared/testdata}"
export PYTHONDONTWRITEBYTECODE=1
LIMIT=${FA2_ITEST_TIMEOUT:-300}
mkdir -p "$B/itest"
passed=0 failed=0 skipped=0
for t in "$ROOT"/tests/integration/t_*.sh "$ROOT"/tests/integration/t_*.py; do
	[ -e "$t" ] || continue
	name=$(basename "$t")
	name=${name%.*}
	if [ $# -gt 0 ]; then
		hit=0
		for f in "$@"; do case "$name" in *"$f"*) hit=1 ;; esac; done
		[ $hit = 1 ] || continue
	fi
	export FA2_TMP
	FA2_TMP=$(mktemp -d "${TMPDIR:-/tmp}/fa2-itest-$name-XXXXXX")
	log="$B/itest/$name.log"
	start=$(date +%s)
	# A test may ask for more time with a line "# itest-timeout: SECONDS" near its top.
	lim=$(head -n 5 "$t" | sed -n 's/^# itest-timeout: *\([0-9][0-9]*\)$/\1/p')
	[ -n "$lim" ] && [ "$lim" -gt "$LIMIT" ] || lim=$LIMIT
	case "$t" in
	*.py) timeout -k 10 "$lim" python3 "$t" > "$log" 2>&1 ;;
	*) timeout -k 10 "$lim" sh "$t" > "$log" 2>&1 ;;
	esac
	rc=$?
	secs=$(( $(date +%s) - start ))
	if [ $rc -eq 0 ]; then
		passed=$((passed + 1)); echo "ok   $name (${secs}s)"
	elif [ $rc -eq 77 ]; then
		skipped=$((skipped + 1)); echo "SKIP $name: $(tail -n 1 "$log")"
	else
		failed=$((failed + 1)); echo "FAIL $name (exit $rc, ${secs}s); last lines of $log:"
		tail -n 25 "$log" | sed 's/^/    /'
	fi
	rm -rf "$FA2_TMP"
done
if [ $skipped -gt 0 ]; then
	echo "$passed passed, $failed failed, $skipped skipped"
else
	echo "$passed passed, $failed failed"
fi
[ $failed -eq 0 ]
