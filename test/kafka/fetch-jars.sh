#!/usr/bin/env bash
# Copies the Kafka broker + console tools + log4j binding jars into test/kafka/target/lib.
# Idempotent: skipped when target/lib exists and its stamp matches pom.xml's hash.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
lib="$here/target/lib"
stamp="$here/target/lib.pom.sha256"

mkdir -p "$here/target"
exec 9>"$here/target/.fetch-jars.lock"
flock 9   # two test workers preparing at once: the second waits, then finds the stamp

want="$(sha256sum "$here/pom.xml" | cut -d' ' -f1)"
if [[ -d "$lib" && -f "$stamp" && "$(cat "$stamp")" == "$want" ]] && compgen -G "$lib/kafka_2.13-*.jar" >/dev/null; then
  exit 0
fi

rm -rf "$lib" "$stamp"
mvn -q -B -Dstyle.color=never -f "$here/pom.xml" dependency:copy-dependencies -DoutputDirectory="$lib"
compgen -G "$lib/kafka_2.13-*.jar" >/dev/null || { echo "fetch-jars: no kafka_2.13 jar in $lib" >&2; exit 1; }
echo "$want" > "$stamp"
