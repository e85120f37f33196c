#!/bin/sh
# Fetch, verify and unpack the pinned third-party sources (BearSSL, cJSON).
#
# Usage: tools/vendor.sh [VENDOR_DIR]
#
# Archives in VENDOR_DIR/dl are reused when present (offline builds from `make dist`);
# otherwise they are downloaded with `apt-get source` through a private apt state directory.
# Every archive is checked against VENDOR_DIR/SHA256SUMS before anything is unpacked.
set -eu

V=${1:-vendor}
V=$(cd "$V" && pwd)
DL="$V/dl"
SUMS="$V/SHA256SUMS"
PKGS="bearssl=0.6+dfsg.1-3 cjson=1.7.15-1+deb12u4"

die() { echo "vendor: error: $*" >&2; exit 1; }

[ -f "$SUMS" ] || die "$SUMS is missing; it pins the third-party sources and must be in the checkout"

need_fetch=0
while read -r sum file; do
	[ -n "$file" ] || continue
	[ -f "$DL/$file" ] || need_fetch=1
done < "$SUMS"

if [ "$need_fetch" = 1 ]; then
	command -v apt-get >/dev/null 2>&1 || die "archives missing from $DL and apt-get is not available to fetch them"
	A="$V/.apt"
	mkdir -p "$A/state/lists/partial" "$A/cache/archives/partial" "$A/etc/preferences.d" "$DL"
	: > "$A/state/status"
	set -- -o "Dir::Etc::SourceList=$V/apt-sources.list" \
		-o "Dir::Etc::SourceParts=$A/etc/none" \
		-o "Dir::Etc::Preferences=$A/etc/none" \
		-o "Dir::Etc::PreferencesParts=$A/etc/preferences.d" \
		-o "Dir::State=$A/state" -o "Dir::State::status=$A/state/status" \
		-o "Dir::Cache=$A/cache" -o "Debug::NoLocking=1" \
		-o "APT::Sandbox::User=root" -o "Acquire::Retries=3"
	echo "vendor: fetching source packages ($PKGS) with a private apt state in $A" >&2
	apt-get -q "$@" update >"$A/update.log" 2>&1 ||
		{ cat "$A/update.log" >&2; die "apt-get update (private state) failed; see above"; }
	# shellcheck disable=SC2086
	(cd "$DL" && apt-get -q "$@" source --download-only $PKGS) >"$A/source.log" 2>&1 ||
		{ cat "$A/source.log" >&2; die "apt-get source failed; see above"; }
fi

# Verify every pinned file. A missing or altered archive is fatal.
bad=0
while read -r sum file; do
	[ -n "$file" ] || continue
	if [ ! -f "$DL/$file" ]; then
		echo "vendor: error: $DL/$file is missing" >&2
		bad=1
		continue
	fi
	got=$(sha256sum "$DL/$file" | cut -d' ' -f1)
	if [ "$got" != "$sum" ]; then
		echo "vendor: error: checksum mismatch for $file" >&2
		echo "vendor:   expected $sum" >&2
		echo "vendor:   got      $got" >&2
		bad=1
	fi
done < "$SUMS"
[ "$bad" = 0 ] || die "refusing to build from unverified sources; delete $DL and run 'make vendor' again"

# unpack NAME ORIG DEBIAN: upstream tarball + Debian patch series into $V/NAME.
unpack() {
	name=$1 orig=$2 deb=$3
	dest="$V/$name"
	tmp="$V/.unpack-$name"
	rm -rf "$tmp"
	mkdir -p "$tmp/src" "$tmp/deb"
	tar -xf "$DL/$orig" -C "$tmp/src"
	tar -xf "$DL/$deb" -C "$tmp/deb"
	top=$(ls "$tmp/src")
	[ "$(echo "$top" | wc -l)" = 1 ] || die "$orig does not have exactly one top-level directory"
	series="$tmp/deb/debian/patches/series"
	if [ -f "$series" ]; then
		grep -v '^[[:space:]]*#' "$series" | while read -r p _; do
			[ -n "$p" ] || continue
			echo "vendor: $name: applying debian/patches/$p" >&2
			patch -s -p1 -d "$tmp/src/$top" < "$tmp/deb/debian/patches/$p" ||
				die "$name: patch $p does not apply"
		done
	fi
	rm -rf "$dest"
	mv "$tmp/src/$top" "$dest"
	rm -rf "$tmp"
}

unpack bearssl bearssl_0.6+dfsg.1.orig.tar.xz bearssl_0.6+dfsg.1-3.debian.tar.xz
unpack cjson cjson_1.7.15.orig.tar.gz cjson_1.7.15-1+deb12u4.debian.tar.xz
echo "vendor: bearssl 0.6 and cjson 1.7.15 verified and unpacked in $V" >&2
