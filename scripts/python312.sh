#!/usr/bin/env bash
# Print the path of a runnable python3.12 (the Lambda runtime's version), or fail.
# A pyenv shim answers `command -v` without being runnable, so each candidate must really run.
set -uo pipefail
for candidate in "$(command -v python3.12 2>/dev/null)" "$HOME"/.pyenv/versions/3.12*/bin/python3.12 \
    /usr/local/bin/python3.12 /usr/bin/python3.12; do
  if [ -n "$candidate" ] && [ -x "$candidate" ] && "$candidate" -c 'import venv' 2>/dev/null; then
    echo "$candidate"
    exit 0
  fi
done
exit 1
