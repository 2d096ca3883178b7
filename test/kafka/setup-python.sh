#!/usr/bin/env bash
# Creates test/kafka/.venv with the prediction-echo example's requirements.
# Idempotent: skipped when the venv exists and its stamp matches requirements.txt.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
req="$root/examples/prediction-echo/requirements.txt"
venv="$here/.venv"
stamp="$venv/.samctl-requirements.sha256"
python="${PYTHON:-python3}"

mkdir -p "$here/target"
exec 9>"$here/target/.setup-python.lock"
flock 9

want="$( (sha256sum "$req"; "$python" --version 2>&1) | sha256sum | cut -d' ' -f1)"
if [[ -x "$venv/bin/python" && -f "$stamp" && "$(cat "$stamp")" == "$want" ]]; then
  exit 0
fi

rm -rf "$venv"
"$python" -m venv "$venv"
"$venv/bin/python" -m pip install -q --disable-pip-version-check --no-input -r "$req"
"$venv/bin/python" -c 'import confluent_kafka, kafka; print("confluent-kafka", confluent_kafka.__version__, "librdkafka", confluent_kafka.libversion()[0], "kafka-python", kafka.__version__)' >&2
echo "$want" > "$stamp"
