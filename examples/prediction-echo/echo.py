#!/usr/bin/env python3
"""prediction-echo: the team's minimal Kafka service, used by samctl's end-to-end tests.

Consumes `sensordata` and produces every message value (and key) unchanged to
`prediction`, over mutual TLS with PEM files: the CA certificate, the client
certificate and its PKCS#8 private key. Hostname verification is always on.

Two client libraries are supported so that both of Kafka's common Python stacks
are checked against the same certificates:
  --client confluent      confluent-kafka (librdkafka, OpenSSL)
  --client kafka-python   kafka-python (pure Python, the ssl module)

Before consuming, the service asks the cluster for its topic list. If that does
not succeed within --timeout seconds (refused certificate, unknown CA, hostname
mismatch, broker down) it prints the failure to stderr and exits 1.

Exit codes:
  0  done (--max-messages echoed, or --check-only connected, or stopped by a signal)
  1  could not connect / TLS failure / delivery failure
  2  bad arguments or missing file
  3  --timeout passed before --max-messages were echoed
"""
from __future__ import annotations

import argparse
import logging
import os
import re
import signal
import sys
import time

EXIT_OK, EXIT_CONNECT, EXIT_USAGE, EXIT_TIMEOUT = 0, 1, 2, 3


def err(msg: str) -> None:
    """One line per failure on stderr."""
    print("prediction-echo: " + " ".join(str(msg).split()), file=sys.stderr, flush=True)


def info(msg: str) -> None:
    print("prediction-echo: " + msg, file=sys.stderr, flush=True)


class Stop:
    requested = False


def _on_signal(signum, _frame):
    Stop.requested = True


# --------------------------------------------------------------------------- confluent-kafka


def loop_done(a: argparse.Namespace, echoed: int, deadline: float) -> int | None:
    """The exit code once the echo loop should end (enough messages, or out of time), else None."""
    if a.max_messages is not None and echoed >= a.max_messages:
        return EXIT_OK
    if a.timeout_applies and time.monotonic() >= deadline:
        if a.max_messages is not None:
            err(f"timeout after {a.timeout}s: echoed {echoed} of {a.max_messages} message(s)")
            return EXIT_TIMEOUT
        return EXIT_OK
    return None


def run_confluent(a: argparse.Namespace) -> int:
    from confluent_kafka import Consumer, KafkaError, KafkaException, Producer

    seen_errors: set[str] = set()
    fatal: list[str] = []
    state = {"preflight": True}

    def error_cb(e):
        text = f"{e.name()}: {e.str()}" if hasattr(e, "name") else str(e)
        key = re.sub(r"\s*\(after \d+ms in state \w+\)", "", text)
        key = re.sub(r"\(\d+ms\)", "", key)
        if key not in seen_errors:
            seen_errors.add(key)
            err(f"client error: {key}")
        code = e.code() if hasattr(e, "code") else None
        # While connecting, a TLS/authentication failure ends the run at once (a refused connection is retried until --timeout);
        # afterwards only errors librdkafka calls fatal do (brokers may restart, e.g. in a rolling CA rotation).
        if (hasattr(e, "fatal") and e.fatal()) or (
            state["preflight"]
            and (
                code in (KafkaError._SSL, KafkaError._AUTHENTICATION, KafkaError.SASL_AUTHENTICATION_FAILED)
                or (code == KafkaError._TRANSPORT and "SSL" in text)
            )
        ):
            fatal.append(key)

    common = {
        "bootstrap.servers": a.bootstrap,
        "security.protocol": "SSL",
        "ssl.ca.location": a.ca,
        "ssl.certificate.location": a.cert,
        "ssl.key.location": a.key,
        "ssl.endpoint.identification.algorithm": "https",
        "error_cb": error_cb,
        # librdkafka would print every reconnect attempt to stderr; error_cb prints each distinct error once.
        "log_level": 0,
    }
    if a.key_password:
        common["ssl.key.password"] = a.key_password
    if a.librdkafka_config:
        # samctl's librdkafka-sasl.properties (SASL_SSL + SCRAM): its keys replace the mTLS ones.
        for key in ("ssl.certificate.location", "ssl.key.location", "ssl.key.password"):
            common.pop(key, None)
        common.update(read_librdkafka_config(a.librdkafka_config))

    consumer = Consumer(
        {
            **common,
            "group.id": a.group,
            "auto.offset.reset": "earliest",
            "enable.auto.commit": False,
            "client.id": "prediction-echo-consumer",
        }
    )
    deadline = time.monotonic() + a.timeout

    # Up-front metadata request: must succeed or we exit 1. librdkafka retries a refused
    # handshake forever, so poll in short slices and give up on the first TLS error.
    md = None
    while md is None:
        remaining = deadline - time.monotonic()
        if remaining <= 0 or fatal:
            break
        try:
            md = consumer.list_topics(timeout=min(2.0, max(remaining, 0.1)))
        except KafkaException as e:
            consumer.poll(0)  # serve error_cb
            if time.monotonic() >= deadline or fatal:
                if not fatal:
                    err(f"metadata request failed: {e}")
                break
    if md is None:
        if not fatal and not seen_errors:
            err(f"could not reach {a.bootstrap} within {a.timeout}s")
        consumer.close()
        return EXIT_CONNECT
    state["preflight"] = False
    info(f"connected (confluent-kafka): {len(md.brokers)} broker(s), {len(md.topics)} topic(s)")
    if a.check_only:
        consumer.close()
        return EXIT_OK

    delivery_errors: list[str] = []

    def on_delivery(e, msg):
        if e is not None:
            delivery_errors.append(str(e))
            err(f"delivery failed to {msg.topic()}: {e}")

    producer = Producer({**common, "client.id": "prediction-echo-producer", "acks": "all"})
    consumer.subscribe([a.in_topic])
    echoed = 0
    rc = EXIT_OK
    try:
        while not Stop.requested:
            done = loop_done(a, echoed, deadline)
            if done is not None:
                rc = done
                break
            if fatal:
                rc = EXIT_CONNECT
                break
            msg = consumer.poll(0.5)
            producer.poll(0)
            if msg is None:
                continue
            if msg.error():
                if msg.error().code() == KafkaError._PARTITION_EOF:
                    continue
                err(f"consume error: {msg.error()}")
                if msg.error().fatal():
                    rc = EXIT_CONNECT
                    break
                continue
            producer.produce(a.out_topic, value=msg.value(), key=msg.key(), on_delivery=on_delivery)
            echoed += 1
    finally:
        left = producer.flush(max(5.0, deadline - time.monotonic()) if a.timeout_applies else 30.0)
        if left:
            err(f"{left} message(s) not delivered at exit")
            rc = rc or EXIT_CONNECT
        if delivery_errors:
            rc = rc or EXIT_CONNECT
        if echoed and not delivery_errors:
            try:
                consumer.commit(asynchronous=False)
            except KafkaException as e:
                err(f"offset commit failed: {e}")
        consumer.close()
    info(f"echoed {echoed} message(s) {a.in_topic} -> {a.out_topic}")
    return rc


# --------------------------------------------------------------------------- kafka-python


def run_kafka_python(a: argparse.Namespace) -> int:
    from kafka import KafkaConsumer, KafkaProducer
    from kafka.errors import KafkaError

    # kafka-python logs every refused handshake (with a traceback); keep the distinct
    # messages and print each once when connecting fails.
    captured: list[str] = []

    class Capture(logging.Handler):
        def emit(self, record):
            line = record.getMessage().splitlines()[0] if record.getMessage() else ""
            line = re.sub(r"^<[^>]*>:\s*", "", line)
            if line and line not in captured and len(captured) < 20:
                captured.append(line)

    klog = logging.getLogger("kafka")
    klog.addHandler(Capture(level=logging.ERROR))
    klog.setLevel(logging.ERROR)
    klog.propagate = False

    def print_captured():
        for line in captured[:5]:
            err(f"client error: {line}")

    deadline = time.monotonic() + a.timeout
    timeout_ms = max(1000, int(a.timeout * 1000))
    common = dict(
        bootstrap_servers=a.bootstrap.split(","),
        security_protocol="SSL",
        ssl_cafile=a.ca,
        ssl_certfile=a.cert,
        ssl_keyfile=a.key,
        ssl_password=a.key_password or None,
        ssl_check_hostname=True,
        bootstrap_timeout_ms=timeout_ms,
        request_timeout_ms=max(timeout_ms, 5000) if a.timeout_applies else 30000,
    )
    if a.librdkafka_config:
        # samctl's librdkafka-sasl.properties (SASL_SSL + SCRAM or GSSAPI): the same settings as kafka-python parameters.
        for key in ("ssl_certfile", "ssl_keyfile", "ssl_password"):
            common.pop(key, None)
        common.update(kafka_python_sasl(read_librdkafka_config(a.librdkafka_config)))
    try:
        consumer = KafkaConsumer(
            **common,
            group_id=a.group,
            auto_offset_reset="earliest",
            enable_auto_commit=False,
            client_id="prediction-echo-consumer",
            session_timeout_ms=10000,
            heartbeat_interval_ms=1000,
        )
        topics = consumer.topics()  # the up-front metadata request
    except (KafkaError, OSError) as e:
        print_captured()
        err(f"could not connect to {a.bootstrap}: {type(e).__name__}: {e}")
        return EXIT_CONNECT
    info(f"connected (kafka-python): {len(topics)} topic(s)")
    if a.check_only:
        consumer.close(autocommit=False)
        return EXIT_OK

    try:
        producer = KafkaProducer(**common, client_id="prediction-echo-producer", acks="all")
    except (KafkaError, OSError) as e:
        print_captured()
        err(f"producer could not connect to {a.bootstrap}: {type(e).__name__}: {e}")
        consumer.close(autocommit=False)
        return EXIT_CONNECT

    consumer.subscribe([a.in_topic])
    echoed = 0
    rc = EXIT_OK
    futures = []
    try:
        while not Stop.requested:
            done = loop_done(a, echoed, deadline)
            if done is not None:
                rc = done
                break
            want = None if a.max_messages is None else a.max_messages - echoed
            batch = consumer.poll(timeout_ms=500, max_records=want)
            for _tp, records in sorted(batch.items(), key=lambda kv: (kv[0].topic, kv[0].partition)):
                for r in records:
                    futures.append(producer.send(a.out_topic, value=r.value, key=r.key))
                    echoed += 1
    except (KafkaError, OSError) as e:
        err(f"consume/produce failed: {type(e).__name__}: {e}")
        rc = EXIT_CONNECT
    finally:
        try:
            producer.flush(timeout=max(5.0, deadline - time.monotonic()) if a.timeout_applies else 30.0)
        except KafkaError as e:
            err(f"flush failed: {type(e).__name__}: {e}")
            rc = rc or EXIT_CONNECT
        failed = 0
        for f in futures:
            if f.is_done and f.failed():
                failed += 1
                err(f"delivery failed: {f.exception}")
            elif not f.is_done:
                failed += 1
        if failed:
            err(f"{failed} message(s) not delivered at exit")
            rc = rc or EXIT_CONNECT
        if echoed and not failed:
            try:
                consumer.commit()
            except KafkaError as e:
                err(f"offset commit failed: {type(e).__name__}: {e}")
        producer.close(timeout=5)
        consumer.close(autocommit=False)
    info(f"echoed {echoed} message(s) {a.in_topic} -> {a.out_topic}")
    return rc


# --------------------------------------------------------------------------- main


def read_librdkafka_config(path: str) -> dict[str, str]:
    """key=value lines as librdkafka's own -F file reader takes them (no escaping; # comments)."""
    config: dict[str, str] = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if line and not line.startswith("#") and "=" in line:
                key, value = line.split("=", 1)
                config[key.strip()] = value.strip()
    return config


def kafka_python_sasl(config: dict[str, str]) -> dict:
    """kafka-python's parameters for the SASL keys samctl writes for librdkafka.

    GSSAPI: kafka-python asks the `gssapi` package (MIT krb5) for the default credentials; MIT
    gets them from the client keytab named by KRB5_CLIENT_KTNAME into a ccache of this process
    alone (KRB5_CONFIG names the realm's krb5.conf, as for librdkafka).
    """
    params: dict = {
        "security_protocol": config.get("security.protocol", "sasl_ssl").upper(),
        "sasl_mechanism": config.get("sasl.mechanisms", "").upper(),
    }
    if "ssl.ca.location" in config:
        params["ssl_cafile"] = config["ssl.ca.location"]
    if "sasl.username" in config:
        params["sasl_plain_username"] = config["sasl.username"]
        params["sasl_plain_password"] = config.get("sasl.password", "")
    if params["sasl_mechanism"] == "GSSAPI":
        params["sasl_kerberos_service_name"] = config.get("sasl.kerberos.service.name", "kafka")
        keytab = config.get("sasl.kerberos.keytab")
        if keytab:
            os.environ["KRB5_CLIENT_KTNAME"] = keytab
            os.environ["KRB5CCNAME"] = f"MEMORY:prediction-echo-{os.getpid()}"
        principal = config.get("sasl.kerberos.principal")
        if principal:
            import gssapi  # kafka-python's GSSAPI needs it anyway

            # Log in now as the configured principal (from the client keytab), so the default
            # credentials kafka-python uses are this principal's, not the keytab's first.
            name = gssapi.Name(principal, gssapi.NameType.kerberos_principal)
            gssapi.Credentials(name=name, usage="initiate").inquire()
    return params


def parse_args(argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        prog="echo.py", description="Echo Kafka messages from one topic to another over mutual TLS."
    )
    p.add_argument("--bootstrap", required=True, help="host:port[,host:port...] (use a name in the broker certificate's SAN)")
    p.add_argument("--ca", required=True, help="PEM CA certificate(s) that signed the brokers")
    p.add_argument("--cert", help="PEM client certificate (leaf first, chain may follow)")
    p.add_argument("--key", help="PEM private key of the client certificate (PKCS#8)")
    p.add_argument("--librdkafka-config", help="a librdkafka properties file (e.g. samctl's librdkafka-sasl.properties for SASL_SSL: SCRAM or GSSAPI) used instead of --cert/--key; kafka-python takes its SASL keys")
    p.add_argument("--key-password", default=os.environ.get("ECHO_KEY_PASSWORD"),
                   help="password of an encrypted key (default: $ECHO_KEY_PASSWORD)")
    p.add_argument("--client", choices=("confluent", "kafka-python"), default="confluent")
    p.add_argument("--group", default="prediction-echo")
    p.add_argument("--in-topic", default="sensordata")
    p.add_argument("--out-topic", default="prediction")
    p.add_argument("--max-messages", type=int, default=None, help="exit 0 after echoing N messages")
    p.add_argument("--timeout", type=float, default=None,
                   help="seconds: bound for connecting and (with --max-messages) for the whole run; default 30 for connecting, none after")
    p.add_argument("--check-only", action="store_true", help="only connect and list topics, exit 0/1")
    a = p.parse_args(argv)
    a.timeout_applies = a.timeout is not None
    if a.timeout is None:
        a.timeout = 30.0
    if a.timeout <= 0:
        p.error("--timeout must be positive")
    if a.max_messages is not None and a.max_messages < 0:
        p.error("--max-messages must be >= 0")
    if not a.librdkafka_config and (a.cert is None or a.key is None):
        p.error("--cert and --key are required (or --librdkafka-config)")
    for name in ("ca", "cert", "key", "librdkafka_config"):
        path = getattr(a, name)
        if path is None:
            continue
        if not os.path.isfile(path):
            p.error(f"--{name.replace('_', '-')}: no such file: {path}")
    return a


def main(argv: list[str] | None = None) -> int:
    a = parse_args(sys.argv[1:] if argv is None else argv)
    signal.signal(signal.SIGTERM, _on_signal)
    signal.signal(signal.SIGINT, _on_signal)
    try:
        if a.client == "confluent":
            return run_confluent(a)
        return run_kafka_python(a)
    except ImportError as e:
        err(f"client library missing: {e} (pip install -r requirements.txt)")
        return EXIT_USAGE


if __name__ == "__main__":
    sys.exit(main())
