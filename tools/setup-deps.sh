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
	      qemu-user-static curl ca-certificates openssl nginx-light wrk time nodejs
	      tzdata poppler-utils poppler-data fonts-ipafont-gothic fonts-ipafont-mincho
	      fonts-urw-base35"
fi
# Time zone tests read tzdata's zoneinfo; PDF tests run poppler (pdftotext, pdftoppm,
# pdfinfo), which draws the standard fonts with URW's metric clones and the Japanese
# CID fonts with IPA fonts through poppler-data's CMaps.
# Slack's own SDK (@slack/bolt) for the Slack tests and bench, and the Mermaid parser
# (mermaid + jsdom) for the diagram tests, pinned by tests/node/package-lock.json.
node_deps() {
	[ "$profile" = test ] || return 0
	here=$(dirname "$0")/../tests/node
	[ -d "$here/node_modules/@slack/bolt" ] && [ -d "$here/node_modules/mermaid" ] &&
		[ -d "$here/node_modules/jsdom" ] && return 0
	command -v npm >/dev/null 2>&1 || return 0
	(cd "$here" && npm ci --no-audit --no-fund --loglevel=error >&2) ||
		echo "setup-deps: npm ci in tests/node failed; Slack SDK and Mermaid tests will skip" >&2
}
missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing="$missing $p"
done
[ -n "$missing" ] || { node_deps; exit 0; }
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
node_deps
