# Sourced by examples/ci/renew.sh and examples/ci/engine/renew.sh: keep it in examples/ci/
# (copy it along with either script).
#
# renewal_gate <what renewing means here>: samctl status --within $WITHIN decides. Exit 0
# (nothing due) ends the script with 0; exit 3 (renewal due) returns, for the renewal to
# follow; any other exit ends the script with that code.
renewal_gate() {
  local status=0
  "$SAMCTL" status --within "$WITHIN" || status=$?
  case "$status" in
    0) echo "nothing due within $WITHIN"; exit 0 ;;
    3) echo "renewal due: $1" ;;
    *) echo "samctl status failed (exit $status): fix the PKI directory first" >&2; exit "$status" ;;
  esac
}
