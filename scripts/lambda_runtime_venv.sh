#!/usr/bin/env bash
# .venv-312: the project's packages on python3.12, the Lambda runtime's version, for the test gate.
# Rebuilt when a pyproject.toml changes, as .venv is (scripts/bootstrap.sh).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
stamp=$(cat pyproject.toml layers/castle/pyproject.toml engine_host/pyproject.toml local/pyproject.toml | sha256sum | cut -c1-16)
if [ -x .venv-312/bin/python ] && [ "$(cat .venv-312/.castle-stamp 2>/dev/null)" = "$stamp" ]; then
  exit 0
fi
py312=$(scripts/python312.sh) || { echo "castle: no python3.12 found (pyenv install 3.12)" >&2; exit 1; }
echo "castle: installing the project into .venv-312 with $py312" >&2
[ -x .venv-312/bin/python ] || "$py312" -m venv .venv-312
.venv-312/bin/pip install -q --disable-pip-version-check -U pip >&2
.venv-312/bin/pip install -q --disable-pip-version-check -e layers/castle -e engine_host -e local -e . >&2
echo "$stamp" > .venv-312/.castle-stamp
