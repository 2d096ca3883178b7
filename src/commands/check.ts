import type { Command } from 'commander';
import { checkBrokerConfig } from '../check/check-broker.js';
import { parseThreshold } from '../lifecycle/threshold.js';
import { commandContext, setResultCode } from './context.js';

export function registerCheck(program: Command): void {
  program
    .command('check')
    .description("check a broker's own server.properties: advertised hosts vs certificate SANs, stores and passwords, chain, mTLS, expiry")
    .argument('<server.properties>', "the broker's config file (needs no samctl PKI directory)")
    .option('--within <window>', 'an expiry finding when a keystore certificate expires within 30d / 720h, or past a share of its lifetime (66%)', '30d')
    .addHelpText(
      'after',
      `
For every SSL and SASL_SSL listener (listeners, advertised.listeners,
listener.security.protocol.map; listener.name.<listener>.ssl.* wins over ssl.*):
  - the advertised host is a SAN of the certificate in that listener's keystore
  - keystore and truststore (JKS, PKCS12 through keytool; PEM files or inline)
    open with ssl.keystore.password, ssl.key.password, ssl.truststore.password
  - the keystore's chain reaches a CA in the truststore
  - ssl.client.auth=required on SSL listeners; the inter-broker listener exists
  - days left on each keystore certificate
  - SASL listeners with GSSAPI: the JAAS line (Krb5LoginModule, quoting, the
    trailing semicolon), the keytab it names holds its principal, and
    sasl.kerberos.service.name is set to that principal's primary
Values may be \${file:<path>:<key>} references (config.providers=file): samctl
reads them as Kafka does. Passwords and keys are never printed.

Examples:
  $ samctl check /etc/kafka/server.properties
  $ samctl check /opt/kafka/config/kraft/server.properties --within 60d
  $ samctl check server.properties --json | jq '.findings[] | .key'

Exit codes:
  0  no findings (notices aside)
  1  a finding: Kafka would refuse the config, or clients would fail the handshake
  2  bad usage: the file is missing or is not a Kafka properties file
  3  only expiry findings: a certificate expires within --within (or has expired)`,
    )
    .action(async (file: string, options: { within: string }, command: Command) => {
      const context = commandContext(command);
      const { out } = context;
      const threshold = parseThreshold(options.within);
      const report = await checkBrokerConfig(file, { now: context.now, threshold });
      out.result({ command: 'check', ...report });

      for (const listener of report.listeners) {
        const where = listener.advertised ? `${listener.advertised.host || '(no host)'}:${listener.advertised.port}` : `listens on ${listener.listen}, not advertised`;
        const role = [listener.interBroker && 'inter-broker', listener.controller && 'controller'].filter(Boolean).join(', ');
        out.line(out.style.bold(`${listener.name} (${listener.protocol ?? 'no protocol'}) ${where}${role ? ` [${role}]` : ''}`));
        for (const cert of listener.keystore?.certificates ?? []) {
          out.line(`    keystore    ${listener.keystore!.source}: ${cert.subject}, ${cert.sans.join(', ') || 'no SANs'}, ${cert.daysLeft} days left`);
        }
        if (listener.truststore?.source) out.line(`    truststore  ${listener.truststore.source}: ${listener.truststore.cas.length} trusted certificate(s)`);
        if (listener.clientAuth !== undefined) out.line(`    client auth ${listener.clientAuth}`);
      }
      const mark = { error: out.style.red('✘'), expiry: out.style.yellow('!'), notice: out.style.gray('·') };
      for (const finding of report.findings) out.line(`${mark[finding.severity]} ${finding.key}: ${finding.message}. fix: ${finding.fix}`);

      const count = (severity: string) => report.findings.filter((finding) => finding.severity === severity).length;
      const errors = count('error');
      const expiries = count('expiry');
      const summary =
        errors + expiries === 0
          ? `${file}: no findings in ${report.listeners.length} listener(s)${count('notice') ? ` (${count('notice')} notice(s))` : ''}`
          : `${file}: ${errors} error(s), ${expiries} expiry finding(s), ${count('notice')} notice(s)`;
      out.line(errors + expiries === 0 ? out.style.green(summary) : summary);
      // With --json the verdict goes to stderr too, so a CI log shows why the step failed.
      if (out.json && report.exitCode !== 0) process.stderr.write(`samctl: ${summary}\n`);
      setResultCode(report.exitCode);
    });
}
