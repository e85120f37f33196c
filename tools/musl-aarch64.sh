#!/bin/sh
# Fetch, verify and unpack Debian's musl for arm64 (the C library, headers and start
# files of a static aarch64 musl build), and write the compiler wrapper that `make cross`
# uses: Debian's aarch64-linux-gnu-gcc driven by musl's specs file, as musl-gcc does
# natively.
#
# Usage: tools/musl-aarch64.sh [--fetch-only] [VENDOR_DIR]
#   --fetch-only: only download and verify the .deb (what `make dist` ships)
#
# The .deb is reused from VENDOR_DIR/dl when present (offline builds from `make dist`);
# otherwise it is downloaded with `apt-get download` through a private apt state
# (VENDOR_DIR/.apt-arm64; the system's /etc/apt and dpkg architectures are not touched).
# It is checked against VENDOR_DIR/SHA256SUMS.musl-aarch64 before anything is unpacked.
# Result: VENDOR_DIR/musl-aarch64/{usr/..., musl-gcc.specs, aarch64-linux-musl-gcc}.
set -eu

fetch_only=0
if [ "${1:-}" = --fetch-only ]; then
	fetch_only=1
	shift
fi
V=${1:-vendor}
V=$(cd "$V" && pwd)
DL="$V/dl"
SUMS="$V/SHA256SUMS.musl-aarch64"
PKG=musl-dev=1.2.3-1
DEB=musl-dev_1.2.3-1_arm64.deb
OUT="$V/musl-aarch64"
CROSS=${CROSS_GNU_CC:-aarch64-linux-gnu-gcc}

die() { echo "musl-aarch64: error: $*" >&2; exit 1; }

[ -f "$SUMS" ] || die "$SUMS is missing; it pins the musl package and must be in the checkout"

if [ ! -f "$DL/$DEB" ]; then
	command -v apt-get >/dev/null 2>&1 || die "$DL/$DEB is missing and apt-get is not available to fetch it"
	A="$V/.apt-arm64"
	mkdir -p "$A/state/lists/partial" "$A/cache/archives/partial" "$A/etc/preferences.d" "$DL"
	: > "$A/state/status"
	echo "deb [arch=arm64] http://deb.debian.org/debian bookworm main" > "$A/sources.list"
	set -- -o "Dir::Etc::SourceList=$A/sources.list" \
		-o "Dir::Etc::SourceParts=$A/etc/none" \
		-o "Dir::Etc::Preferences=$A/etc/none" \
		-o "Dir::Etc::PreferencesParts=$A/etc/preferences.d" \
		-o "Dir::State=$A/state" -o "Dir::State::status=$A/state/status" \
		-o "Dir::Cache=$A/cache" -o "Debug::NoLocking=1" \
		-o "APT::Sandbox::User=root" -o "Acquire::Retries=3" \
		-o "APT::Architecture=arm64" -o "APT::Architectures=arm64"
	echo "musl-aarch64: fetching $PKG (arm64) with a private apt state in $A" >&2
	apt-get -q "$@" update >"$A/update.log" 2>&1 ||
		{ cat "$A/update.log" >&2; die "apt-get update (private state) failed; see above"; }
	(cd "$DL" && apt-get -q "$@" download "$PKG") >"$A/download.log" 2>&1 ||
		{ cat "$A/download.log" >&2; die "apt-get download $PKG failed; see above"; }
fi

want=$(awk -v f="$DEB" '$2 == f { print $1 }' "$SUMS")
[ -n "$want" ] || die "$DEB is not listed in $SUMS"
got=$(sha256sum "$DL/$DEB" | cut -d' ' -f1)
if [ "$got" != "$want" ]; then
	echo "musl-aarch64: error: checksum mismatch for $DEB" >&2
	echo "musl-aarch64:   expected $want" >&2
	echo "musl-aarch64:   got      $got" >&2
	die "refusing to build with an unverified C library; delete $DL/$DEB and run 'make cross' again"
fi

[ "$fetch_only" = 0 ] || exit 0
command -v "$CROSS" >/dev/null 2>&1 || die "$CROSS not found (apt-get install gcc-aarch64-linux-gnu; tools/setup-deps.sh does)"

tmp="$V/.unpack-musl-aarch64"
rm -rf "$tmp"
mkdir -p "$tmp"
if command -v dpkg-deb >/dev/null 2>&1; then
	dpkg-deb -x "$DL/$DEB" "$tmp"
else
	(cd "$tmp" && ar x "$DL/$DEB" data.tar.xz && tar -xJf data.tar.xz && rm -f data.tar.xz)
fi
[ -f "$tmp/usr/lib/aarch64-linux-musl/libc.a" ] && [ -f "$tmp/usr/lib/aarch64-linux-musl/musl-gcc.specs" ] ||
	die "$DEB does not hold libc.a and musl-gcc.specs"
# The package's specs name /usr/...; point them at the unpacked tree.
sed "s#/usr/include/aarch64-linux-musl#$OUT/usr/include/aarch64-linux-musl#g; s#/usr/lib/aarch64-linux-musl#$OUT/usr/lib/aarch64-linux-musl#g" \
	"$tmp/usr/lib/aarch64-linux-musl/musl-gcc.specs" > "$tmp/musl-gcc.specs"
grep -q "$OUT/usr/lib/aarch64-linux-musl/crti.o" "$tmp/musl-gcc.specs" || die "unexpected musl-gcc.specs layout"
printf '#!/bin/sh\n# Written by tools/musl-aarch64.sh: %s with Debian musl %s for arm64.\nexec %s "$@" -specs "%s/musl-gcc.specs"\n' \
	"$CROSS" "1.2.3-1" "$CROSS" "$OUT" > "$tmp/aarch64-linux-musl-gcc"
chmod +x "$tmp/aarch64-linux-musl-gcc"
rm -rf "$OUT"
mv "$tmp" "$OUT"
echo "musl-aarch64: Debian musl 1.2.3-1 (arm64) verified and unpacked in $OUT" >&2
