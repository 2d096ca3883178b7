#!/usr/bin/env bash
# CI renews through OpenBao / Vault with the renewer's AppRole (samctl policy --apply --approle):
# the engine signs with samctl's roles, the renewed files go to KV, and each broker host
# fetches its own (host-pull.sh, on a timer). No key is ever delivered by CI or kept in a
# repository; the runner's PKI directory holds no CA key (the engine keeps it).
#
#   BAO_ADDR=https://bao.example:8200 VAULT_CACERT=/etc/samctl/bao-ca.pem \
#   SAMCTL_DIR=/srv/kafka-pki \
#   SAMCTL_ENGINE_ROLE_ID_FILE=/etc/samctl/samctl-ci-renewer.role-id \
#   SAMCTL_ENGINE_SECRET_ID_FILE=/etc/samctl/samctl-ci-renewer.secret-id \
#     examples/ci/engine/renew.sh
#
# The renewer's policy may sign with the samctl roles and write identities and the inventory
# in KV; it cannot import a CA, sign-verbatim, generate a root or read other mounts.
set -euo pipefail

SAMCTL=${SAMCTL:-samctl}
WITHIN=${WITHIN:-30d}
: "${BAO_ADDR:=${VAULT_ADDR:-}}"
: "${BAO_ADDR:?set BAO_ADDR (or VAULT_ADDR) to the engine, e.g. https://bao.example:8200}"
: "${SAMCTL_ENGINE_ROLE_ID_FILE:?set SAMCTL_ENGINE_ROLE_ID_FILE to the renewer role_id file}"
: "${SAMCTL_ENGINE_SECRET_ID_FILE:?set SAMCTL_ENGINE_SECRET_ID_FILE to the renewer secret_id file (0600)}"
export BAO_ADDR SAMCTL_ENGINE_ROLE_ID_FILE SAMCTL_ENGINE_SECRET_ID_FILE

# Exits here (0) when nothing is due: examples/ci/renewal-gate.sh, shared with examples/ci/renew.sh.
. "$(dirname "${BASH_SOURCE[0]}")/../renewal-gate.sh"
renewal_gate 'renewing through the engine'

"$SAMCTL" renew --within "$WITHIN" --json |
  node -e 'const r = JSON.parse(require("fs").readFileSync(0, "utf8")); for (const i of r.issued) console.log(`renewed ${i.kind} ${i.name} until ${i.notAfter}: its host pulls it on its next timer run`)'
"$SAMCTL" verify
