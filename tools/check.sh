#!/bin/sh
# Runs every test suite, continuing past failures, and ends with the total line
# "N passed, N failed". Exit status 1 when anything failed.
# Arguments: the fuzz target binaries to smoke-run.
set -u
B=${BUILD:-build}
mkdir -p "$B/check"
tp=0 tf=0 ts=0

# count SUITE LOG: adds the "N passed, N failed[, N skipped]" line of LOG to the totals.
count() {
	line=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$2" | tail -n 1)
	if [ -z "$line" ]; then
		echo "check: $1 printed no result line (crashed?); counting it as one failure" >&2
		tf=$((tf + 1))
		return
	fi
	p=$(echo "$line" | sed 's/^\([0-9]*\) passed.*/\1/')
	f=$(echo "$line" | sed 's/^[0-9]* passed, \([0-9]*\) failed.*/\1/')
	s=$(echo "$line" | sed -n 's/.* \([0-9]*\) skipped.*/\1/p')
	tp=$((tp + p)); tf=$((tf + f)); ts=$((ts + ${s:-0}))
	echo "check: $1: $line"
}

run() {
	name=$1; shift
	echo "== $name"
	"$@" > "$B/check/$name.log" 2>&1
	rc=$?
	grep -E '^(FAIL|SKIP) |^    ' "$B/check/$name.log" | head -n 60
	count "$name" "$B/check/$name.log"
	if [ $rc -ne 0 ] && ! grep -qE '^[0-9]+ passed, [1-9]' "$B/check/$name.log"; then
		echo "check: $name exited $rc; last lines:" >&2
		tail -n 30 "$B/check/$name.log" >&2
		grep -qE '^[0-9]+ passed' "$B/check/$name.log" && tf=$((tf + 1))
	fi
}

run layers tools/check-layers.sh
run unit "$B/fa2-unit" -q
run unit-asan env ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
	UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 "$B/asan/fa2-unit" -q
run integration tests/integration/run.sh
if [ -x "$B/aarch64/fa2-unit" ] && command -v qemu-aarch64-static >/dev/null 2>&1; then
	run cross-aarch64 tools/check-cross.sh
	run unit-aarch64 qemu-aarch64-static "$B/aarch64/fa2-unit" -q
fi
if [ $# -gt 0 ]; then
	run fuzz-smoke tools/fuzz.sh smoke 0 "$@"
fi

echo
if [ "$ts" -gt 0 ]; then
	echo "$tp passed, $tf failed, $ts skipped"
else
	echo "$tp passed, $tf failed"
fi
[ "$tf" -eq 0 ]
