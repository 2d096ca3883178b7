#!/usr/bin/env bash
# Keep a Kafka cluster's certificates valid from CI (cron, a systemd timer, any runner).
#
#   SAMCTL_DIR=/srv/kafka-pki SAMCTL_CA_PASSWORD=... BROKER_IDS="sam01.ynformed.nl=1 sam02.ynformed.nl=2" \
#     ADMIN_CONFIG=/srv/kafka-pki/clients/admin/client-ssl.properties examples/ci/renew.sh
#
# 1. samctl status --within $WITHIN: exit 0 = nothing due (done), 3 = renewal due, else error.
# 2. samctl renew --within $WITHIN: re-issues in place (same DN, SANs, store passwords).
# 3. For each renewed broker, kafka-configs.sh makes the running broker reload its keystore
#    (KIP-226): no restart, no downtime.
set -euo pipefail

SAMCTL=${SAMCTL:-samctl}
WITHIN=${WITHIN:-30d}
: "${SAMCTL_CA_PASSWORD:?set SAMCTL_CA_PASSWORD (from your CI secret store)}"
: "${ADMIN_CONFIG:?set ADMIN_CONFIG to a client-ssl.properties that may alter broker configs}"
: "${BROKER_IDS:?set BROKER_IDS to host=node.id pairs, e.g. \"sam01.ynformed.nl=1\"}"
export SAMCTL_CA_PASSWORD

set +e
"$SAMCTL" status --within "$WITHIN"
status=$?
set -e
case "$status" in
  0) echo "nothing due within $WITHIN"; exit 0 ;;
  3) echo "renewal due: renewing" ;;
  *) echo "samctl status failed (exit $status): fix the PKI directory first" >&2; exit "$status" ;;
esac

report=$("$SAMCTL" renew --within "$WITHIN" --json)
echo "$report" | node -e 'const r = JSON.parse(require("fs").readFileSync(0, "utf8")); for (const i of r.issued) console.log(`renewed ${i.kind} ${i.name} until ${i.notAfter}`)'

# One line per renewed broker: "<host> <keystore path>"
echo "$report" | node -e '
  const r = JSON.parse(require("fs").readFileSync(0, "utf8"));
  for (const reload of r.reloadCommands) console.log(reload.broker, reload.command.match(/keystore\.location=(\S+)/)[1]);
' | while read -r host keystore; do
  id=""
  for pair in $BROKER_IDS; do [ "${pair%%=*}" = "$host" ] && id=${pair#*=}; done
  if [ -z "$id" ]; then echo "no node.id for $host in BROKER_IDS: reload it by hand" >&2; exit 1; fi
  bootstrap=${BOOTSTRAP:-$host:9092}
  echo "reloading the keystore of $host (node.id $id) via $bootstrap"
  kafka-configs.sh --bootstrap-server "$bootstrap" --command-config "$ADMIN_CONFIG" \
    --entity-type brokers --entity-name "$id" --alter \
    --add-config "listener.name.ssl.ssl.keystore.location=$keystore"
done

"$SAMCTL" verify
