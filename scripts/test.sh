#!/usr/bin/env bash
# The whole test gate: lint, types, template checks, the compiled engine, then the test suite.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
export AWS_DEFAULT_REGION=${AWS_DEFAULT_REGION:-us-east-1} SAM_CLI_TELEMETRY=0
step() { printf '\n\033[1;34m== %s\033[0m\n' "$*"; }
venv=.venv/bin

step "ruff"
$venv/ruff check .
$venv/ruff format --check .
step "mypy --strict"
$venv/mypy layers/castle/castle functions tests bench $( [ -d engine_host/castle_engine ] && echo engine_host ) $( [ -d local/castle_local ] && echo local/castle_local )
step "cfn-lint"
$venv/cfn-lint template.yaml
step "sam validate --lint"
scripts/sam.sh validate --lint --template template.yaml
step "sam build (no container)"
scripts/sam.sh build --cached --parallel > .sam-build.log 2>&1 || { cat .sam-build.log; exit 1; }
tail -n 3 .sam-build.log
if [ -x scripts/build_engine.sh ]; then
  step "mypyc: compile the matching engine"
  scripts/build_engine.sh
fi
step "pytest"
$venv/python -m pytest "$@"
if [ -x scripts/build_engine.sh ]; then
  step "pytest: tests/engine again, against the mypyc-compiled engine"
  CASTLE_ENGINE_COMPILED=1 PYTHONPATH=.build/engine $venv/python -m pytest -q -p no:cacheprovider tests/engine
fi
# The Lambdas run on python3.12 (template.yaml); the engine hosts and the suite above on 3.11. The
# in-process tests run again on 3.12; the functional ones would double the gate's time for the same
# code paths over real services.
step "pytest on python3.12, the Lambda runtime: unit, security and engine tests"
py312=$(scripts/python312.sh)
scripts/project_venv.sh .venv-312 "$py312"
.venv-312/bin/python -m pytest -q -p no:cacheprovider tests/unit tests/security tests/engine
