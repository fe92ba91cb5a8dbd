#!/usr/bin/env bash
# Builds packages/dj-zarr-codecs/wasm/blosc-lz4.wasm, dj's portable Blosc-lz4 encoder, from
# wasm/blosc_lz4.c and the vendored liblz4 1.9.4 (wasm/vendor/lz4: Debian's lz4_1.9.4.orig.tar.gz
# with one change for wasm32, described in its PATCHES.md). The .wasm is committed so that installing dj needs no compiler; this
# script is how it was made, and tests/unit/blosc-wasm-build.test.ts checks that it still makes
# the same bytes. Needs Debian's clang-14 and lld-14 (apt-get install -y clang-14 lld-14).
#   bash scripts/build-blosc-wasm.sh [output]   (default: the committed path)
set -euo pipefail
# The output path is taken relative to where the script is run from.
out=$(realpath -m "${1:-$(dirname "$0")/../packages/dj-zarr-codecs/wasm/blosc-lz4.wasm}")
cd "$(dirname "$0")/../packages/dj-zarr-codecs/wasm"
# Exactly these versions: another clang or lld may emit other (equally valid) bytes.
clang=clang-14
linker=$(command -v wasm-ld-14 || true)
if ! command -v "$clang" >/dev/null || [ -z "$linker" ]; then
  echo "build-blosc-wasm: needs clang-14 and lld-14 (apt-get install -y clang-14 lld-14)" >&2
  exit 3
fi
# -ffile-prefix-map and no debug info keep the bytes independent of where the tree is.
# Memory: the stack first (256 KiB; LZ4's 16 KiB state lives there), then what the caller grows.
"$clang" --target=wasm32 -O3 -msimd128 -mbulk-memory -nostdlib -ffreestanding \
  -DLZ4_FREESTANDING=1 '-DLZ4_memcpy=__builtin_memcpy' '-DLZ4_memset=__builtin_memset' '-DLZ4_memmove=__builtin_memmove' \
  -ffile-prefix-map="$PWD"=. \
  -Wl,--no-entry -Wl,--stack-first -Wl,-z,stack-size=262144 -Wl,--export=__heap_base \
  -Wl,--strip-all -fuse-ld="$linker" \
  -o "$out" blosc_lz4.c vendor/lz4/lz4.c
echo "wrote $out ($(wc -c <"$out") bytes)"
