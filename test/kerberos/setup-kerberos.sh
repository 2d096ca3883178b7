#!/usr/bin/env bash
# Installs what the GSSAPI tests need: an MIT KDC (krb5-kdc, krb5-admin-server, krb5-user),
# librdkafka's GSSAPI plugin (libsasl2-modules-gssapi-mit) and kcat, and the `gssapi` Python
# package for kafka-python (PyPI has it only as source: it builds against libkrb5-dev).
# Idempotent and quick when everything is present. Runs after test/kafka/setup-python.sh.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
venv="$root/test/kafka/.venv"

pkgs=(krb5-kdc krb5-admin-server krb5-user libsasl2-modules-gssapi-mit kcat libkrb5-dev)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  # krb5-config asks for a default realm and servers; the noninteractive defaults are fine:
  # the tests give every tool its own krb5.conf through KRB5_CONFIG.
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# Debian's krb5-kdc/krb5-admin-server postinst may start system daemons; the tests run their
# own throwaway KDC, so nothing here depends on them.

if [[ ! -x "$venv/bin/python" ]]; then
  echo "setup-kerberos: $venv missing: run test/kafka/setup-python.sh first" >&2
  exit 1
fi
if ! "$venv/bin/python" -c 'import gssapi' 2>/dev/null; then
  "$venv/bin/python" -m pip install -q --disable-pip-version-check --no-input 'gssapi==1.12.0'
fi
"$venv/bin/python" -c 'import gssapi; print("python gssapi", gssapi.__version__ if hasattr(gssapi, "__version__") else "ok")' >&2
