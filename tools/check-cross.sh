#!/bin/sh
# Checks the aarch64 binary (make cross): statically linked, linked with musl, runs under
# qemu-user-static. Ends with "N passed, N failed" (make check-cross and tools/check.sh).
set -u
B=${BUILD:-build}
bin="$B/aarch64/fa2"
p=0 f=0
check() { # WHAT CMD...
	what=$1
	shift
	if "$@" >/dev/null 2>&1; then
		echo "ok   $what"
		p=$((p + 1))
	else
		echo "FAIL $what"
		f=$((f + 1))
	fi
}
check "$bin is an ARM aarch64 executable" sh -c "file '$bin' | grep -q 'ARM aarch64'"
check "$bin is statically linked" sh -c "file '$bin' | grep -q 'statically linked'"
check "$bin runs under qemu-aarch64-static" sh -c "qemu-aarch64-static '$bin' --version > '$B/aarch64/version.txt'"
check "$bin is linked with musl (fa2 --version)" grep -q '^libc: musl' "$B/aarch64/version.txt"
check "$bin resolves no symbol of glibc's NSS" sh -c "! grep -qa 'libnss_\|nsswitch.conf' '$bin'"
cat "$B/aarch64/version.txt" 2>/dev/null
echo "$p passed, $f failed"
[ "$f" -eq 0 ]
