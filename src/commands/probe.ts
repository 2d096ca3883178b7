import type { Command } from 'commander';
import { isIP } from 'node:net';
import { exists } from '../store/files.js';
import { loadInventory } from '../store/inventory.js';
import { reissueCommand } from '../lifecycle/renew.js';
import { identityFileNames, type PkiLayout } from '../store/layout.js';
import { parseCertificateText, readLeafCertificate, readPrivateKey, readTextFile } from '../store/read.js';
import { operationError, usageError } from '../errors.js';
import { fetchClusterMetadata, type KafkaAnswer } from '../kafka/client.js';
import { exchangeApiVersions, handshake, probeClientCertificateDemand, type ClientCertificateDemand, type KafkaExchange, type TlsIdentity } from '../net/tls-probe.js';
import { parseIdentityName } from '../pki/names.js';
import { commandContext } from './context.js';

export function registerProbe(program: Command): void {
  program
    .command('probe')
    .description('live mutual-TLS handshake with a broker using a client identity, then one Kafka metadata round trip')
    .argument('<host:port>', 'a broker address as clients use it (the host must be in its certificate)')
    .requiredOption('--client <name>', 'the client identity (<dir>/clients/<name>) to connect with')
    .addHelpText(
      'after',
      `
Reports the broker's chain, whether its certificate covers the host, days left, whether it
demands a client certificate (required, not required, or unknown: decided by a second session
without one), and the cluster id and brokers Kafka answers with.

Examples:
  $ samctl probe sam01.ynformed.nl:9092 --client console
  $ samctl probe 10.0.0.11:9092 --client prediction-service --json

Exit codes:
  0  handshake and Kafka round trip succeeded, the certificate covers the host
  1  refused, not TLS, TLS alert, unknown CA, name mismatch, or TLS works but no Kafka answer
     (the line says which)
  2  bad usage (no such client identity)`,
    )
    .action(async (address: string, options: { client: string }, command: Command) => {
      const context = commandContext(command);
      const { out, layout } = context;
      const { host, port } = parseAddress(address);
      const name = parseIdentityName(options.client);
      const files = identityFileNames('client', 'pem');
      const clientDir = context.display(layout.identityDir('client', name));
      const identity = await readIdentity(layout, name);

      const { socket, report } = await handshake(host, port, identity).catch((err: Error & { kind?: string; alert?: string }) => {
        if (err.alert) throw refusalError(err.message, err.alert, `${clientDir}/${files.cert}`);
        const hints: Record<string, string> = {
          refused: 'is the broker running, and is this its SSL listener port?',
          'not-tls': 'is this a TLS listener? (a PLAINTEXT Kafka listener closes the connection on a TLS hello)',
          silent: 'is this a TLS listener? probe a broker\'s SSL listener (listeners=SSL://…)',
          timeout: 'is a firewall dropping the connection?',
        };
        throw operationError(err.message, hints[err.kind ?? ''] ?? undefined);
      });
      let kafka: KafkaAnswer | undefined;
      let kafkaError: string | undefined;
      let exchange: KafkaExchange | undefined;
      let demand: ClientCertificateDemand | undefined;
      if (report.chainError || !report.sanMatches) socket.destroy();
      else {
        exchange = await exchangeApiVersions(socket, host, port);
        // A second session, without a certificate, after the first one: a peer may serve one at a time (openssl s_server does).
        demand = await probeClientCertificateDemand(host, port, identity.ca);
        if (exchange.kind === 'answered') {
          try {
            kafka = await fetchClusterMetadata(`${host}:${port}`, identity, isIP(host) ? undefined : host);
          } catch (err) {
            kafkaError = (err as Error).message;
          }
        } else if (exchange.kind !== 'alert' && exchange.kind !== 'ticket') kafkaError = exchange.message;
      }
      const refusal = exchange?.kind === 'alert' ? exchange : undefined;
      out.result({
        command: 'probe',
        address,
        client: name,
        ...report,
        clientCertificate: demand?.state ?? null,
        clientCertificateEvidence: demand?.evidence ?? null,
        // Kept for scripts written against the boolean: null when unknown or not probed.
        clientCertificateRequired: demand && demand.state !== 'unknown' ? demand.state === 'required' : null,
        refusal: refusal?.message ?? null,
        kafka: kafka ?? null,
        kafkaError: kafkaError ?? null,
      });
      out.line(`TLS        ${report.protocol} with ${host}:${port}`);
      out.line(`chain      ${report.chain.map((entry) => entry.subject).join('  ←  ')}`);
      out.line(`trusted    ${report.chainError ? out.style.red(`no: ${report.chainError}`) : out.style.green('yes (by our ca.crt)')}`);
      out.line(`SAN        ${report.sanMatches ? out.style.green(`covers ${host}`) : out.style.red(`does not cover ${host}`)} (${report.sans})`);
      out.line(`expires    in ${report.daysLeft} days`);
      if (demand) {
        const verdict = { required: 'certificate required by the broker', 'not-required': out.style.yellow('certificate NOT required by the broker'), unknown: out.style.yellow('unknown whether the broker requires a certificate') };
        out.line(`client     ${verdict[demand.state]}: ${demand.evidence}`);
      }
      if (kafka) out.line(`kafka      cluster ${kafka.clusterId}, brokers ${kafka.brokers.map((b) => `${b.id}@${b.host}:${b.port}`).join(', ')}`);

      if (report.chainError) throw operationError(`the broker's certificate is not signed by a CA we trust (${report.chainError})`, `check that ${clientDir}/${files.ca} holds the CA that signed the broker`);
      if (!report.sanMatches) throw operationError(`name mismatch: the broker's certificate does not cover ${host} (${report.sans})`, 'connect by a name in its SAN, or re-issue the broker with --san');
      if (refusal) throw refusalError(refusal.message, refusal.alert, `${clientDir}/${files.cert}`);
      if (exchange?.kind !== 'answered') throw operationError(`TLS works but ${host}:${port} does not answer the Kafka protocol: ${kafkaError}`, 'is this a Kafka listener? probe a broker\'s SSL listener (listeners=SSL://…)');
      if (!kafka) throw operationError(`TLS works but Kafka did not answer: ${kafkaError}`, 'is this a Kafka SSL listener, and does it accept this client?');
    });
}

// Alerts that speak of the client certificate (RFC 8446 §6.2); handshake_failure is what a TLS 1.2
// OpenSSL server sends for a missing certificate, but also for no shared cipher.
const CERTIFICATE_ALERTS = new Set(['bad_certificate', 'unsupported_certificate', 'certificate_revoked', 'certificate_expired', 'certificate_unknown', 'unknown_ca', 'certificate_required', 'access_denied']);

function refusalError(message: string, alert: string, clientCert: string) {
  const hint = CERTIFICATE_ALERTS.has(alert)
    ? `the broker refused the client certificate: is ${clientCert} from a CA the broker trusts, and still valid?`
    : alert === 'handshake_failure'
      ? `is ${clientCert} from a CA the broker trusts? (or the two share no TLS version or cipher suite)`
      : 'the broker ended the session: check the TLS versions and cipher suites it accepts';
  return operationError(`the broker refused the session: ${message}`, hint);
}

function parseAddress(address: string): { host: string; port: number } {
  const match = /^\[?([^\]]+?)\]?:(\d{1,5})$/.exec(address.trim());
  const port = match ? Number(match[2]) : NaN;
  if (!match || port < 1 || port > 65535) throw usageError(`invalid address "${address}": use host:port, e.g. sam01.ynformed.nl:9092`);
  return { host: match[1], port };
}

/** The client's PEM key, certificate and CA (every store type has them). */
export async function readIdentity(layout: PkiLayout, name: string): Promise<TlsIdentity> {
  const dir = layout.identityDir('client', name);
  if (!(await exists(dir))) throw usageError(`no client identity "${name}" in ${dir}`, `issue one with: samctl client issue ${name}`);
  const names = identityFileNames('client', 'pem');
  // renew makes a new key and ca.crt, but takes the DN from the certificate: a damaged one needs the client issued anew.
  const fix = `re-issue it with \`samctl renew ${name}\``;
  const record = (await loadInventory(layout.inventory).catch(() => undefined))?.identities.find((entry) => entry.status === 'active' && entry.kind === 'client' && entry.name === name);
  const certFix = `issue it anew with ${reissueCommand(record ?? { kind: 'client', name })}`;
  const path = (file: string) => layout.identityFile('client', name, file);
  const [key, cert, ca] = await Promise.all([
    readPrivateKey(path(names.key), fix).then((read) => read.pem),
    readLeafCertificate(path(names.cert), certFix).then((read) => read.pem),
    readTextFile(path(names.ca), fix).then((text) => (parseCertificateText(text, path(names.ca), fix), text)),
  ]);
  return { key: Buffer.from(key), cert: Buffer.from(cert), ca: Buffer.from(ca) };
}
