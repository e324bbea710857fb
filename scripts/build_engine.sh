#!/usr/bin/env bash
# Compile the matching engine (engine_host/castle_engine) with mypyc into .build/engine.
# Use it with PYTHONPATH=.build/engine (the package there holds the .so modules plus the
# interpreted entry points). Idempotent: skipped when the sources and toolchain are unchanged.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
python=${PYTHON:-$root/.venv/bin/python}
src=engine_host/castle_engine
out=.build/engine
# Compiled: the pure engine core and the replay tool's per-line loop (replay_core).
# Interpreted (copied): the package __init__, entry points, I/O glue.
compiled=(codes orders int_index price_ladder id_set events order_book engine snapshot_codec fixed_point canonical_line replay_core)
interpreted=(__init__ replay workload heap_pretouch __main__)

stamp=$( { for m in "${compiled[@]}" "${interpreted[@]}"; do [ -f "$src/$m.py" ] && cat "$src/$m.py"; done
          cat "${BASH_SOURCE[0]}"; "$python" -c 'import sys, mypy.version; print(sys.version, mypy.version.__version__)'
        } | sha256sum | cut -c1-16)
if [ -f "$out/.stamp" ] && [ "$(cat "$out/.stamp")" = "$stamp" ]; then
  echo "castle_engine: compiled build is up to date ($out)"
  exit 0
fi

# Each build works in a scratch directory of its own and moves its result into place at the end, so
# that two builds at once (say, two test runs) never write into each other's files.
mkdir -p .build
work=$(mktemp -d "$root/.build/engine-build.XXXXXX")
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/out/castle_engine" "$work/scratch"
modules=()
for m in "${compiled[@]}"; do modules+=("$root/$src/$m.py"); done
(
  # Built from the scratch directory: mypyc writes its C sources to ./build, setuptools reads ./pyproject.toml.
  cd "$work/scratch"
  MYPYPATH="$root/engine_host" "$python" - "$work/out" "${modules[@]}" <<'PY'
import sys

from mypyc.build import mypycify
from setuptools import setup

build_lib, *modules = sys.argv[1:]
sys.argv = [sys.argv[0], "-q", "build_ext", "--build-lib", build_lib, "--build-temp", "build/temp"]
setup(name="castle-engine-compiled", ext_modules=mypycify(modules, opt_level="3", debug_level="0"))
PY
)
for m in "${interpreted[@]}"; do [ -f "$src/$m.py" ] && cp "$src/$m.py" "$work/out/castle_engine/"; done
cp "$src/py.typed" "$work/out/castle_engine/"
echo "$stamp" > "$work/out/.stamp"
# Swap the new build in (each rename is atomic; the last build to finish wins).
old="$work/previous"
if [ -d "$out" ]; then mv "$out" "$old"; fi
mv "$work/out" "$out"
echo "castle_engine: compiled into $out"
