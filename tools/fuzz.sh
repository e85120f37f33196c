#!/bin/sh
# tools/fuzz.sh smoke|run SECONDS TARGET...
#   smoke: each target runs its seed corpus plus a short bounded run (for make check)
#   run:   each target runs for SECONDS with a persistent corpus under build/fuzz-corpus
# Seeds live in tests/fuzz/corpus/<target>/ (committed); findings go to build/fuzz-findings.
set -u
mode=$1 secs=$2; shift 2
B=${BUILD:-build}
mkdir -p "$B/fuzz-findings"
passed=0 failed=0
for t in "$@"; do
	name=$(basename "$t")
	seeds="tests/fuzz/corpus/$name"
	corpus="$B/fuzz-corpus/$name"
	mkdir -p "$corpus"
	[ -d "$seeds" ] || seeds=""
	if [ "$mode" = smoke ]; then
		args="-runs=${FUZZ_SMOKE_RUNS:-10000} -max_total_time=20"
	else
		args="-max_total_time=$secs"
	fi
	log="$B/fuzz-findings/$name.log"
	# shellcheck disable=SC2086
	if "$t" $args -artifact_prefix="$B/fuzz-findings/$name-" -print_final_stats=1 \
		"$corpus" $seeds > "$log" 2>&1; then
		execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
		echo "ok   fuzz $name (${execs:-?} executions)"
		passed=$((passed + 1))
	else
		echo "FAIL fuzz $name: see $log"
		grep -E 'ERROR|SUMMARY|artifact' "$log" | head -n 10
		failed=$((failed + 1))
	fi
done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
