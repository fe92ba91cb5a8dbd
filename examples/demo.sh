#!/usr/bin/env bash
# The main job, end to end, in a throwaway project: check the codecs, declare a Recording table
# with a <zarr@mystore> attribute, insert an array from a .npy file, fetch it back.
# Needs: `npm install` done in this repository and python3 with NumPy. No database server: the
# config has no "database" section, so dj uses its embedded database in .dj/ (set DJ_DEMO_MYSQL=1
# to use the MySQL/MariaDB server at DJ_HOST, default 127.0.0.1, user DJ_USER, default root;
# DJ_DEMO_POSTGRES=1 for the PostgreSQL server at DJ_HOST, default 127.0.0.1, user DJ_USER, default postgres).
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
dj() { node "$repo/dist/bin/dj.js" "$@"; }

work="$(mktemp -d "${TMPDIR:-/tmp}/dj-demo-XXXXXX")"
trap 'dj schema drop "$schema" --force >/dev/null 2>&1 || true; rm -rf "$work"' EXIT
cd "$work"
mkdir -p .git store node_modules
ln -s "$repo/packages/dj-zarr-codecs" node_modules/dj-zarr-codecs   # as `npm install dj-zarr-codecs` would
schema="dj_demo_$$"
database=""
if [ -n "${DJ_DEMO_MYSQL:-}" ]; then database="\"database\": {\"host\": \"${DJ_HOST:-127.0.0.1}\", \"user\": \"${DJ_USER:-root}\"},"; fi
if [ -n "${DJ_DEMO_POSTGRES:-}" ]; then database="\"database\": {\"backend\": \"postgresql\", \"host\": \"${DJ_HOST:-127.0.0.1}\", \"user\": \"${DJ_USER:-postgres}\"},"; fi
cat > dj.config.json <<JSON
{
  $database
  "stores": {"default": "mystore", "mystore": {"protocol": "file", "location": "./store"}},
  "schema": "$schema",
  "requiredCodecs": ["zarr"]
}
JSON
cat > pipeline.dj <<DJ
schema $schema

Recording (manual)
    # one recording
    recording_id : int32
    ---
    waveform : <zarr@mystore>   # multichannel waveform
DJ
python3 -c "import numpy as np; np.save('waves.npy', np.random.default_rng(0).standard_normal((30000, 32)).astype('float32'))"

dj codecs check --required
dj declare pipeline.dj
dj insert Recording --from waves.npy --key recording_id=1
dj fetch Recording --key recording_id=1 --out w.npy
dj fetch Recording
python3 -c "import numpy as np; a = np.load('w.npy'); print('fetched array shape:', a.shape, a.dtype, 'identical:', bool((a == np.load('waves.npy')).all()))"
