#!/usr/bin/env bash
# Idempotent set-up of a fresh Debian/Ubuntu machine with Python 3.11+: virtualenvs, local services.
# Called by ./castle before every subcommand; a second run only checks and returns.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
say() { printf '\033[1;34mcastle:\033[0m %s\n' "$*" >&2; }

# ---- the development virtualenv (.venv) -------------------------------------------------------
python=${PYTHON:-python3}
"$python" - <<'PY' || { say "Python 3.11+ is needed (apt-get install python3 python3-venv)"; exit 1; }
import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)
PY
scripts/project_venv.sh .venv "$python"

# ---- aws-sam-cli in its own virtualenv (.venv-sam): it pins old boto3/pydantic/cfn-lint -------
if [ ! -x .venv-sam/bin/sam ]; then
  if py312=$(scripts/python312.sh); then
    say "installing aws-sam-cli into .venv-sam with $py312"
    "$py312" -m venv .venv-sam
    .venv-sam/bin/pip install -q --disable-pip-version-check aws-sam-cli >&2
  else
    say "no python3.12 found: sam build needs one for the python3.12 runtime."
    say "install it (e.g. 'pyenv install 3.12' or 'apt-get install python3.12 python3.12-venv') and re-run."
    exit 1
  fi
fi

# ---- PostgreSQL and Redis: the machine's own, started (and installed) when missing -----------
port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
apt_install() {
  [ "$(id -u)" = 0 ] || { say "please install: $*"; exit 1; }
  [ -n "$(ls -A /var/lib/apt/lists 2>/dev/null | grep -v lock)" ] || apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >&2
}
if [ -z "${CASTLE_SKIP_SERVICES:-}" ]; then
  if ! port_open 5432; then
    command -v pg_ctlcluster >/dev/null || apt_install postgresql
    say "starting PostgreSQL"
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | sort -V | tail -1)" main start >&2 || true
  fi
  if ! port_open 6379; then
    command -v redis-server >/dev/null || apt_install redis-server
    say "starting Redis"
    redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no >&2
  fi
  for _ in $(seq 50); do port_open 5432 && port_open 6379 && break; sleep 0.2; done
fi

# ---- Chromium for the browser tests: Debian's build, driven by the playwright package --------
# (never `playwright install`); without it the browser tests skip with a reason.
if [ -z "${CASTLE_SKIP_BROWSER:-}" ] && ! command -v chromium >/dev/null; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    say "installing Chromium for the browser tests"
    apt_install chromium || say "Chromium could not be installed: the browser tests will be skipped"
  else
    say "Chromium not found: the browser tests will be skipped (apt-get install chromium)"
  fi
fi
