#!/usr/bin/env bash
# Keep a Kafka cluster's certificates valid from CI (cron, a systemd timer, a runner), and get
# the renewed files onto the brokers without ever putting a private key in a repository.
#
#   SAMCTL_DIR=/srv/kafka-pki SAMCTL_CA_PASSWORD=... \
#   BROKER_IDS="sam01.ynformed.nl=1 sam02.ynformed.nl=2" \
#   ADMIN_CONFIG=/ssl/client-ssl.properties RECIPIENTS_DIR=/srv/kafka-pki-recipients \
#     examples/ci/renew.sh
#
# 1. samctl status --within $WITHIN: exit 0 = nothing due (done), 3 = renewal due, else error.
# 2. samctl renew --within $WITHIN: re-issues in place (same DN, SANs, store passwords,
#    install dir and secrets mode).
# 3. Per renewed broker: samctl export encrypts a bundle to that broker's age public key
#    ($RECIPIENTS_DIR/<host>.txt, from `age-keygen -y` on the broker), deliver() copies it
#    there and runs the printed unpack commands (staging dir, sha256sum -c, one rename per
#    file), then kafka-configs.sh makes the running broker reload its keystore from the path
#    it reads it at, its install dir (KIP-226): no restart, no downtime.
# Needs on the broker hosts: age, tar, sha256sum, and the host's age identity file at
# $HOST_AGE_KEY (default /etc/samctl/age.key, 0600, readable by the user deliver() logs in as).
set -euo pipefail

SAMCTL=${SAMCTL:-samctl}
WITHIN=${WITHIN:-30d}
HOST_AGE_KEY=${HOST_AGE_KEY:-/etc/samctl/age.key}
: "${SAMCTL_CA_PASSWORD:?set SAMCTL_CA_PASSWORD (from your CI secret store)}"
: "${ADMIN_CONFIG:?set ADMIN_CONFIG to a client-ssl.properties that may alter broker configs}"
: "${BROKER_IDS:?set BROKER_IDS to host=node.id pairs, e.g. \"sam01.ynformed.nl=1\"}"
: "${RECIPIENTS_DIR:?set RECIPIENTS_DIR to a directory with one <host>.txt age public key per broker}"
export SAMCTL_CA_PASSWORD

# ---- ADAPT: how a bundle reaches a broker host ----------------------------------------------
# $1 host, $2 bundle file, $3 unpack script (sh, runs in the directory the bundle lands in).
# Replace with the transport you already have (scp/ssh, rsync, Ansible, your config management).
# DELIVER=<program> runs that program with the same three arguments instead (the test suite
# uses it for a local copy).
deliver() {
  if [ -n "${DELIVER:-}" ]; then "$DELIVER" "$@"; return; fi
  local inbox=/var/tmp/samctl-inbox
  ssh "$1" "mkdir -p -m 700 $inbox"
  scp -q "$2" "$3" "$1:$inbox/"
  ssh "$1" "cd $inbox && sh $(basename "$3") && rm -f $(basename "$2") $(basename "$3")"
}
# ----------------------------------------------------------------------------------------------

# Exits here (0) when nothing is due: examples/ci/renewal-gate.sh.
. "$(dirname "${BASH_SOURCE[0]}")/renewal-gate.sh"
renewal_gate renewing

report=$("$SAMCTL" renew --within "$WITHIN" --json)
echo "$report" | node -e 'const r = JSON.parse(require("fs").readFileSync(0, "utf8")); for (const i of r.issued) console.log(`renewed ${i.kind} ${i.name} until ${i.notAfter}`)'

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# One line per renewed broker: "<host> <settings to give kafka-configs.sh --add-config>": the
# keystore path on the broker under each TLS listener's prefix (SSL, and SASL_SSL for a SASL
# broker: each listener keeps the keystore it loaded until its own setting is given).
echo "$report" | node -e '
  const r = JSON.parse(require("fs").readFileSync(0, "utf8"));
  for (const reload of r.reloadCommands) console.log(reload.broker, reload.command.match(/--add-config (\S+)/)[1]);
' | while read -r host settings; do
  id=""
  for pair in $BROKER_IDS; do [ "${pair%%=*}" = "$host" ] && id=${pair#*=}; done
  if [ -z "$id" ]; then echo "no node.id for $host in BROKER_IDS: deliver and reload it by hand" >&2; exit 1; fi
  recipients="$RECIPIENTS_DIR/$host.txt"
  [ -f "$recipients" ] || { echo "no age public key for $host: $recipients is missing" >&2; exit 1; }

  "$SAMCTL" export "$host" --recipients-file "$recipients" --host-identity "$HOST_AGE_KEY" \
    --out "$work/$host.tar.age" --json |
    node -e 'const r = JSON.parse(require("fs").readFileSync(0, "utf8")); console.log(r.bundles[0].unpack.join("\n"))' \
    > "$work/$host.unpack.sh"
  echo "delivering $host.tar.age to $host"
  deliver "$host" "$work/$host.tar.age" "$work/$host.unpack.sh"

  bootstrap=${BOOTSTRAP:-$host:9092}
  echo "reloading the keystore of $host (node.id $id) via $bootstrap: $settings"
  kafka-configs.sh --bootstrap-server "$bootstrap" --command-config "$ADMIN_CONFIG" \
    --entity-type brokers --entity-name "$id" --alter \
    --add-config "$settings"
done

"$SAMCTL" verify
