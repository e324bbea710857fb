#!/usr/bin/env bash
# Install the project (layers/castle, engine_host, local and the development tools) into the
# virtualenv DIR, made with PYTHON. A no-op while no pyproject.toml has changed since the last install.
#   scripts/project_venv.sh DIR PYTHON       (.venv with python3.11 for bootstrap.sh, .venv-312 for test.sh)
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
dir=$1
python=$2
packages=(-e layers/castle)
for pkg in engine_host local; do [ -f "$pkg/pyproject.toml" ] && packages+=(-e "$pkg"); done
stamp=$(cat pyproject.toml layers/castle/pyproject.toml engine_host/pyproject.toml local/pyproject.toml 2>/dev/null | sha256sum | cut -c1-16)
if [ -x "$dir/bin/python" ] && [ "$(cat "$dir/.castle-stamp" 2>/dev/null)" = "$stamp" ]; then
  exit 0
fi
printf '\033[1;34mcastle:\033[0m %s\n' "installing the project into $dir with $python (first run takes a few minutes)" >&2
[ -x "$dir/bin/python" ] || "$python" -m venv "$dir"
"$dir/bin/pip" install -q --disable-pip-version-check -U pip >&2
"$dir/bin/pip" install -q --disable-pip-version-check "${packages[@]}" -e . >&2
echo "$stamp" > "$dir/.castle-stamp"
