#!/bin/sh
# make dist: dist/fa2-VERSION.tar.gz = the tracked tree + the verified vendor archives
# (BearSSL and cJSON sources, unpacked too, and Debian's musl for arm64) so that `make`
# and `make cross` build it with no network.
#
# Reproducible: files sorted by name, owner 0:0, normalised modes, every mtime set to
# SOURCE_DATE_EPOCH (the environment's, else the last commit's time, else the time the
# tarball being rebuilt carried), gzip without name or time stamp. The file list is `git
# ls-files`, or MANIFEST in an unpacked tarball; both are written into the tarball.
set -eu
VERSION=$1
name="fa2-$VERSION"
tools/vendor.sh vendor >/dev/null
tools/musl-aarch64.sh --fetch-only vendor
if [ -z "${SOURCE_DATE_EPOCH:-}" ]; then
	if [ -e .git ]; then
		SOURCE_DATE_EPOCH=$(git log -1 --format=%ct)
	else
		SOURCE_DATE_EPOCH=$(cat .source-date-epoch 2>/dev/null || true)
	fi
fi
case "${SOURCE_DATE_EPOCH:-}" in
''|*[!0-9]*) echo "dist: no SOURCE_DATE_EPOCH, no git history and no .source-date-epoch" >&2; exit 1 ;;
esac
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage/$name" dist
if [ -e .git ]; then
	git ls-files | LC_ALL=C sort > "$stage/MANIFEST"
elif [ -f MANIFEST ]; then
	cp MANIFEST "$stage/MANIFEST"
else
	echo "dist: neither a git checkout nor an unpacked tarball with MANIFEST" >&2
	exit 1
fi
tr '\n' '\0' < "$stage/MANIFEST" | xargs -0 tar -cf - | tar -xf - -C "$stage/$name"
cp "$stage/MANIFEST" "$stage/$name/MANIFEST"
echo "$SOURCE_DATE_EPOCH" > "$stage/$name/.source-date-epoch"
# The pinned archives only (not whatever else vendor/dl holds), and their unpacked sources.
mkdir -p "$stage/$name/vendor/dl"
for sums in vendor/SHA256SUMS vendor/SHA256SUMS.musl-aarch64; do
	awk '{ print $2 }' "$sums" | while read -r f; do cp "vendor/dl/$f" "$stage/$name/vendor/dl/"; done
done
tar -cf - vendor/bearssl vendor/cjson | tar -xf - -C "$stage/$name"
tar -C "$stage" --sort=name --format=gnu --owner=0 --group=0 --numeric-owner \
	--mode='u+rw,go=rX' --mtime="@$SOURCE_DATE_EPOCH" -cf - "$name" | gzip -n9 > "dist/$name.tar.gz"
echo "dist: wrote dist/$name.tar.gz ($(wc -c < "dist/$name.tar.gz") bytes, SOURCE_DATE_EPOCH $SOURCE_DATE_EPOCH)"
