#!/usr/bin/env bash
# The PEM tools users would pick instead of samctl, each run the way its documentation shows:
# its own CA first, then one invocation per certificate.
#
#   bench/peers.sh TOOL N OUTDIR      TOOL: cfssl | mkcert | easyrsa
#
# Every tool makes N broker certificates broker-1..N.example.com: RSA 2048 key, SAN
# DNS:<host>, EKU serverAuth + clientAuth (brokers are clients of each other), as samctl's
# broker certificates. Where each tool leaves them:
#   cfssl    OUTDIR/ca.pem, OUTDIR/<host>.pem, OUTDIR/<host>-key.pem
#   mkcert   OUTDIR/ca/rootCA.pem, OUTDIR/<host>.crt, OUTDIR/<host>.key
#   easyrsa  OUTDIR/pki/ca.crt, OUTDIR/pki/issued/<host>.crt, OUTDIR/pki/private/<host>.key
# The CA keys of all three are unencrypted on disk (samctl's is PBES2, 600,000 iterations).
# mkcert's CA key is RSA 3072 and cannot be chosen; its leaves are RSA 2048.
# EASYRSA names the easyrsa script (Debian installs it off PATH, in /usr/share/easy-rsa).
set -euo pipefail

usage() { echo "usage: $0 cfssl|mkcert|easyrsa N OUTDIR" >&2; exit 2; }
[[ $# -eq 3 ]] || usage
TOOL=$1
N=$2
OUT=$3
[[ $N =~ ^[1-9][0-9]*$ ]] || usage
umask 077
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
LOG=$OUT/peer.log

# Quiet on success (the tools chat on stderr); the log's tail on failure.
run() {
  if ! "$@" >>"$LOG" 2>&1; then
    echo "peers: $TOOL failed: $*; last lines of $LOG:" >&2
    tail -n 5 "$LOG" >&2
    exit 1
  fi
}

cfssl_run() {
  cd "$OUT"
  printf '{"CN":"bench Kafka CA","key":{"algo":"rsa","size":2048}}\n' >ca-csr.json
  printf '%s\n' '{"signing":{"profiles":{"broker":{"expiry":"8760h","usages":["digital signature","key encipherment","server auth","client auth"]}}}}' >config.json
  cfssl gencert -initca ca-csr.json 2>>"$LOG" | run cfssljson -bare ca
  for i in $(seq 1 "$N"); do
    local host=broker-$i.example.com
    printf '{"CN":"%s","key":{"algo":"rsa","size":2048}}\n' "$host" >"$host-csr.json"
    cfssl gencert -ca ca.pem -ca-key ca-key.pem -config config.json -profile broker -hostname "$host" "$host-csr.json" 2>>"$LOG" |
      run cfssljson -bare "$host"
  done
}

mkcert_run() {
  # The first call makes the CA in $CAROOT (never -install: that would touch the system's trust stores).
  export CAROOT=$OUT/ca
  for i in $(seq 1 "$N"); do
    local host=broker-$i.example.com
    run mkcert -client -cert-file "$OUT/$host.crt" -key-file "$OUT/$host.key" "$host"
  done
}

easyrsa_run() {
  local easyrsa=${EASYRSA:-easyrsa}
  local common=(--batch "--pki-dir=$OUT/pki" --keysize=2048 --days=365)
  run "$easyrsa" "${common[@]}" init-pki
  run "$easyrsa" "${common[@]}" --req-cn="bench Kafka CA" build-ca nopass
  for i in $(seq 1 "$N"); do
    local host=broker-$i.example.com
    run "$easyrsa" "${common[@]}" "--san=DNS:$host" build-serverClient-full "$host" nopass
  done
}

case $TOOL in
  cfssl) cfssl_run ;;
  mkcert) mkcert_run ;;
  easyrsa) easyrsa_run ;;
  *) usage ;;
esac
