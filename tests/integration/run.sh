#!/bin/sh
# Runs every integration test: tests/integration/t_*.sh and t_*.py, each in its own
# scratch directory, each with a time limit (FA2_ITEST_TIMEOUT, default 300 s; a test may
# raise its own with "# itest-timeout: SECONDS" in its first lines). A test exits 0 (pass), 77 (skipped: a peer
# it needs is missing; it prints why) or anything else (fail).
# Environment for the tests: FA2 (the binary), FA2_ASAN (the ASan build), FA2_ROOT,
# FA2_TESTDATA, FA2_TMP (scratch dir). A test with the line "# itest-background" in its
# first lines runs beside the others (started first); the rest run one at a time.
# Usage: run.sh [NAME-FILTER...]
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
RES=$(mktemp -d "${TMPDIR:-/tmp}/fa2-itest-results-XXXXXX")

# run_one FILE NAME: runs one test; writes its verdict (ok/SKIP/FAIL) and report to $RES/NAME.
run_one() {
	t=$1 name=$2
	tmp=$(mktemp -d "${TMPDIR:-/tmp}/fa2-itest-$name-XXXXXX")
	log="$B/itest/$name.log"
	start=$(date +%s)
	# A test may ask for more time with a line "# itest-timeout: SECONDS" near its top.
	lim=$(head -n 5 "$t" | sed -n 's/^# itest-timeout: *\([0-9][0-9]*\)$/\1/p')
	[ -n "$lim" ] && [ "$lim" -gt "$LIMIT" ] || lim=$LIMIT
	case "$t" in
	*.py) FA2_TMP=$tmp timeout -k 10 "$lim" python3 "$t" > "$log" 2>&1 ;;
	*) FA2_TMP=$tmp timeout -k 10 "$lim" sh "$t" > "$log" 2>&1 ;;
	esac
	rc=$?
	secs=$(( $(date +%s) - start ))
	if [ $rc -eq 0 ]; then
		echo "ok   $name (${secs}s)" > "$RES/$name"
	elif [ $rc -eq 77 ]; then
		echo "SKIP $name: $(tail -n 1 "$log")" > "$RES/$name"
	else
		{ echo "FAIL $name (exit $rc, ${secs}s); last lines of $log:"
		  tail -n 25 "$log" | sed 's/^/    /'; } > "$RES/$name"
	fi
	rm -rf "$tmp"
}

# report NAME: prints a finished test's verdict and counts it.
report() {
	cat "$RES/$1"
	case $(head -c 4 "$RES/$1") in
	"ok  ") passed=$((passed + 1)) ;;
	SKIP) skipped=$((skipped + 1)) ;;
	*) failed=$((failed + 1)) ;;
	esac
}

# Tests marked "# itest-background" in their first lines (long, self-contained builds such
# as t_release) start first and run beside the others, which run one at a time.
bg_names=""
for pass in background foreground; do
	for t in "$ROOT"/tests/integration/t_*.sh "$ROOT"/tests/integration/t_*.py; do
		[ -e "$t" ] || continue
		name=$(basename "$t")
		name=${name%.*}
		if [ $# -gt 0 ]; then
			hit=0
			for f in "$@"; do case "$name" in *"$f"*) hit=1 ;; esac; done
			[ $hit = 1 ] || continue
		fi
		if head -n 5 "$t" | grep -q '^# itest-background$'; then bg=background; else bg=foreground; fi
		[ "$bg" = "$pass" ] || continue
		if [ "$pass" = background ]; then
			run_one "$t" "$name" &
			bg_names="$bg_names $name"
		else
			run_one "$t" "$name"
			report "$name"
		fi
	done
done
wait
for name in $bg_names; do
	report "$name"
done
rm -rf "$RES"
if [ $skipped -gt 0 ]; then
	echo "$passed passed, $failed failed, $skipped skipped"
else
	echo "$passed passed, $failed failed"
fi
[ $failed -eq 0 ]
