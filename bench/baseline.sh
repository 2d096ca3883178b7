#!/usr/bin/env bash
# The by-hand Kafka SSL workflow samctl replaces, scripted the way the widely used generator
# scripts (confluent's kafka-generate-ssl.sh and its forks) do it: openssl for the CA and the
# signatures, keytool for every key and store. One JVM per keytool step.
#
#   bench/baseline.sh N OUTDIR [all|ca|truststore|brokers|clients]
#
#   ca       CA key + self-signed certificate (openssl req -x509 -nodes)
#   truststore  truststore.jks alone (so that one client can be timed as the everyday job)
#   brokers  truststore.jks (once), then broker-1..N.example.com: genkeypair (SAN=dns:host),
#            certreq, openssl x509 -req (SAN + EKU serverAuth,clientAuth), importcert CA,
#            importcert signed cert
#   clients  client-1..N: the same, EKU clientAuth, no SAN
#   all      (default) the three in order
#
# Passwords go to keytool through -storepass:env / -keypass:env, never argv. Set
# BASELINE_PASSWORD to choose one; otherwise a random one is kept in OUTDIR/.password (0600)
# so that the phases can run as separate invocations.
set -euo pipefail

usage() { echo "usage: $0 N OUTDIR [all|ca|truststore|brokers|clients]" >&2; exit 2; }
[[ $# -ge 2 && $# -le 3 ]] || usage
N=$1
OUT=$2
STEP=${3:-all}
[[ $N =~ ^[1-9][0-9]*$ ]] || usage
case $STEP in all|ca|truststore|brokers|clients) ;; *) usage ;; esac
for tool in openssl keytool; do
  command -v "$tool" >/dev/null || { echo "baseline: $tool not found on PATH" >&2; exit 1; }
done

umask 077
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
CA_KEY=$OUT/ca/ca.key
CA_CRT=$OUT/ca/ca.crt
TRUSTSTORE=$OUT/truststore.jks
LOG=$OUT/baseline.log

if [[ -n ${BASELINE_PASSWORD:-} ]]; then
  STOREPASS=$BASELINE_PASSWORD
elif [[ -f $OUT/.password ]]; then
  STOREPASS=$(<"$OUT/.password")
else
  STOREPASS=$(openssl rand -base64 24 | tr '+/' '-_')
  printf '%s\n' "$STOREPASS" >"$OUT/.password"
fi
export STOREPASS KEYPASS=$STOREPASS

# keytool prints "The JKS keystore uses a proprietary format" on every JKS it opens and still
# exits 0; keep its chatter in the log and show it only on failure.
kt() {
  if ! keytool "$@" >>"$LOG" 2>&1; then
    echo "baseline: keytool $1 failed; last lines of $LOG:" >&2
    tail -n 5 "$LOG" >&2
    exit 1
  fi
}
ossl() {
  if ! openssl "$@" >>"$LOG" 2>&1; then
    echo "baseline: openssl $1 failed; last lines of $LOG:" >&2
    tail -n 5 "$LOG" >&2
    exit 1
  fi
}

make_ca() {
  mkdir -p "$OUT/ca"
  ossl req -x509 -newkey rsa:2048 -sha256 -days 365 -nodes \
    -keyout "$CA_KEY" -out "$CA_CRT" -subj "/CN=baseline Kafka CA"
}

make_truststore() {
  rm -f "$TRUSTSTORE"
  kt -importcert -noprompt -alias CARoot -file "$CA_CRT" \
    -keystore "$TRUSTSTORE" -storetype JKS -storepass:env STOREPASS
}

# identity KIND NAME: keystore.jks with the CA and the CA-signed certificate, + truststore copy
identity() {
  local kind=$1 name=$2 dir ks ext
  dir=$OUT/${kind}s/$name
  ks=$dir/keystore.jks
  mkdir -p "$dir"
  rm -f "$ks"
  if [[ $kind == broker ]]; then
    kt -genkeypair -alias "$name" -keyalg RSA -keysize 2048 -validity 365 \
      -dname "CN=$name" -ext "SAN=dns:$name" \
      -keystore "$ks" -storetype JKS -storepass:env STOREPASS -keypass:env KEYPASS
    ext=$(printf 'subjectAltName=DNS:%s\nextendedKeyUsage=serverAuth,clientAuth\n' "$name")
  else
    kt -genkeypair -alias "$name" -keyalg RSA -keysize 2048 -validity 365 \
      -dname "CN=$name" \
      -keystore "$ks" -storetype JKS -storepass:env STOREPASS -keypass:env KEYPASS
    ext=$(printf 'extendedKeyUsage=clientAuth\n')
  fi
  kt -certreq -alias "$name" -file "$dir/$kind.csr" \
    -keystore "$ks" -storetype JKS -storepass:env STOREPASS -keypass:env KEYPASS
  # openssl x509 -req drops the CSR's extensions: the SAN survives only through -extfile.
  ossl x509 -req -CA "$CA_CRT" -CAkey "$CA_KEY" -CAserial "$OUT/ca/ca.srl" -CAcreateserial \
    -in "$dir/$kind.csr" -out "$dir/$kind.crt" -days 365 -sha256 -extfile <(printf '%s\n' "$ext")
  kt -importcert -noprompt -alias CARoot -file "$CA_CRT" \
    -keystore "$ks" -storetype JKS -storepass:env STOREPASS
  kt -importcert -noprompt -alias "$name" -file "$dir/$kind.crt" \
    -keystore "$ks" -storetype JKS -storepass:env STOREPASS -keypass:env KEYPASS
  cp "$TRUSTSTORE" "$dir/truststore.jks"
}

need_ca() { [[ -f $CA_KEY && -f $CA_CRT ]] || { echo "baseline: no CA in $OUT/ca (run the ca step first)" >&2; exit 1; }; }

if [[ $STEP == all || $STEP == ca ]]; then make_ca; fi
if [[ $STEP == truststore ]]; then need_ca; make_truststore; fi
if [[ $STEP == all || $STEP == brokers ]]; then
  need_ca
  make_truststore
  for i in $(seq 1 "$N"); do identity broker "broker-$i.example.com"; done
fi
if [[ $STEP == all || $STEP == clients ]]; then
  need_ca
  [[ -f $TRUSTSTORE ]] || make_truststore
  for i in $(seq 1 "$N"); do identity client "client-$i"; done
fi
