#!/bin/sh
# On a broker (or client) host, from a systemd timer (samctl-pull.timer) or cron: fetch this
# host's own identity from OpenBao / Vault with the host's AppRole and, for a broker, make the
# running broker re-read its keystore (KIP-226, no restart). The host's policy reads this one
# identity and nothing else (samctl policy --apply --approle --credentials <dir>).
#
# Settings (e.g. in /etc/samctl/pull.env, read by samctl-pull.service):
#   BAO_ADDR=https://bao.example:8200          the engine (or VAULT_ADDR)
#   VAULT_CACERT=/etc/samctl/bao-ca.pem        the CA of the engine's own certificate
#   SAMCTL_ENGINE_ROLE_ID_FILE=/etc/samctl/role-id       this host's AppRole (0600 files)
#   SAMCTL_ENGINE_SECRET_ID_FILE=/etc/samctl/secret-id
#   SAMCTL_IDENTITY=sam01.ynformed.nl          the identity's name
#   SAMCTL_KIND=broker                         or client
#   SAMCTL_PKI_MOUNT=kafka-pki SAMCTL_ENGINE_KV_MOUNT=kafka-kv
#   SERVER_PROPERTIES=/etc/kafka/server.properties   brokers: reload after the pull (unset: no reload)
# The files go to the identity's recorded install dir (samctl broker issue --install-dir).
set -eu

SAMCTL=${SAMCTL:-samctl}
: "${SAMCTL_IDENTITY:?set SAMCTL_IDENTITY to this host's identity name}"
: "${SAMCTL_ENGINE_KV_MOUNT:?set SAMCTL_ENGINE_KV_MOUNT to the KV mount (samctl ca init --kv-mount)}"
: "${SAMCTL_ENGINE_ROLE_ID_FILE:?set SAMCTL_ENGINE_ROLE_ID_FILE to this host's role_id file}"
: "${SAMCTL_ENGINE_SECRET_ID_FILE:?set SAMCTL_ENGINE_SECRET_ID_FILE to this host's secret_id file (0600)}"
export SAMCTL_ENGINE_KV_MOUNT SAMCTL_ENGINE_ROLE_ID_FILE SAMCTL_ENGINE_SECRET_ID_FILE

set -- pull "$SAMCTL_IDENTITY" --kind "${SAMCTL_KIND:-broker}" --pki-mount "${SAMCTL_PKI_MOUNT:-samctl-pki}"
if [ -n "${SERVER_PROPERTIES:-}" ]; then
  # Reloading an unchanged keystore is harmless, and a reload that failed last time is retried.
  set -- "$@" --reload --server-properties "$SERVER_PROPERTIES"
fi
exec "$SAMCTL" "$@"
