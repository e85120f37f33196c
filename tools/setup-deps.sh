#!/bin/sh
# Installs the Debian packages fa2 needs (idempotent; apt-get runs only when something
# is missing; needs root or sudo).
#   tools/setup-deps.sh build   what `make` and `make demo` need
#   tools/setup-deps.sh test    also what `make check` and `make check-cross` need (default)
# `make demo` and `make check` call it themselves, so both work on a fresh Debian 12 machine.
set -eu
profile=${1:-test}
PKGS="make gcc libc6-dev musl-tools xz-utils patch"
if [ "$profile" = test ]; then
	PKGS="$PKGS file clang libclang-rt-14-dev gcc-aarch64-linux-gnu libc6-dev-arm64-cross
	      qemu-user-static curl ca-certificates openssl nginx-light wrk time"
fi
missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing="$missing $p"
done
[ -n "$missing" ] || exit 0
SUDO=""
if [ "$(id -u)" != 0 ]; then
	command -v sudo >/dev/null 2>&1 || {
		echo "setup-deps: missing packages:$missing; install them as root (apt-get install$missing)" >&2
		exit 1
	}
	SUDO=sudo
fi
echo "setup-deps: installing:$missing" >&2
$SUDO apt-get update -qq
# shellcheck disable=SC2086
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
