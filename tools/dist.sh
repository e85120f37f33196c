#!/bin/sh
# make dist: dist/fa2-VERSION.tar.gz = the tracked tree + verified vendor archives and
# their unpacked sources, so that `make` builds it with no network.
set -eu
VERSION=$1
name="fa2-$VERSION"
tools/vendor.sh vendor >/dev/null
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage/$name" dist
git ls-files -z | xargs -0 tar -cf - | tar -xf - -C "$stage/$name"
tar -cf - vendor/dl vendor/bearssl vendor/cjson | tar -xf - -C "$stage/$name"
tar -C "$stage" -czf "dist/$name.tar.gz" "$name"
echo "dist: wrote dist/$name.tar.gz ($(wc -c < "dist/$name.tar.gz") bytes)"
