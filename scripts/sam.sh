#!/usr/bin/env bash
# Run aws-sam-cli from its own virtualenv, with that virtualenv's python3.12 on PATH so that
# `sam build` finds the python3.12 the Lambda runtime needs without a container.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
export PATH="$root/.venv-sam/bin:$PATH" SAM_CLI_TELEMETRY=0 AWS_DEFAULT_REGION=${AWS_DEFAULT_REGION:-us-east-1}
exec "$root/.venv-sam/bin/sam" "$@"
