#!/usr/bin/env bash
# Packs the patron binary with every shared library it loads (glibc and its loader too)
# into a self-contained tarball for cluster nodes that have none of them installed
# (Hadoop -archives, Hive ADD ARCHIVE, Spark --archives; docs/SCALE.md). The wrapper
# `patron/patron` starts the binary through the bundled loader, so the node's own libc
# version does not matter (x86-64 Linux).
# Usage: scripts/bundle.sh [BINARY] [OUT.tar.gz]   (defaults: build/patron, patron.tar.gz)
set -euo pipefail
bin=${1:-build/patron}
out=${2:-patron.tar.gz}
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage/patron/lib"
cp "$bin" "$stage/patron/lib/patron.bin"
ldd "$bin" | awk '/=> \// { print $3 } /^\t\/.*ld-linux/ { print $1 }' | while read -r lib; do
  cp -L "$lib" "$stage/patron/lib/"
done
loader=$(cd "$stage/patron/lib" && ls ld-linux*.so.* | head -1)
cat > "$stage/patron/patron" <<WRAP
#!/bin/sh
# Runs the bundled patron with its own libraries (scripts/bundle.sh).
here=\$(cd "\$(dirname "\$0")" && pwd)
exec "\$here/lib/$loader" --library-path "\$here/lib" "\$here/lib/patron.bin" "\$@"
WRAP
chmod +x "$stage/patron/patron"
tar -C "$stage" -czf "$out" patron
echo "wrote $out ($(du -h "$out" | cut -f1)); run it as patron/patron after unpacking"
