#!/bin/sh
# The binary's front door: --version, --help, exit codes, static linking.
set -eu
fail() { echo "FAIL: $*"; exit 1; }

out=$("$FA2" --version)
echo "$out" | grep -q '^fa2 [0-9]' || fail "--version: $out"
echo "$out" | grep -q '^target: ' || fail "--version lacks target"
echo "$out" | grep -q '^bearssl: 0.6' || fail "--version lacks bearssl"
echo "$out" | grep -q '^cjson: 1.7.15' || fail "--version lacks cjson"

help=$("$FA2" --help)
for c in serve analyze triage patterns snapshot aws check sessions; do
	echo "$help" | grep -q "^  $c " || fail "--help does not list $c"
done

set +e
"$FA2" >/dev/null 2>&1; rc=$?
[ $rc -eq 2 ] || fail "no command: exit $rc, want 2"
"$FA2" frobnicate >/dev/null 2>"$FA2_TMP/err"; rc=$?
[ $rc -eq 2 ] || fail "unknown command: exit $rc, want 2"
grep -q "unknown command 'frobnicate'" "$FA2_TMP/err" || fail "unknown command message"
"$FA2" --log-level loud --version >/dev/null 2>&1; rc=$?
[ $rc -eq 2 ] || fail "bad log level: exit $rc"
FA2_LOG_FORMAT=xml "$FA2" --version >/dev/null 2>&1; rc=$?
[ $rc -eq 2 ] || fail "bad FA2_LOG_FORMAT: exit $rc"
set -e

if command -v file >/dev/null 2>&1; then
	file -L "$FA2" | grep -q 'statically linked' || fail "not static: $(file -L "$FA2")"
fi
echo "cli ok"
