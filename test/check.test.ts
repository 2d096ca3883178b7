import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { samctl, samctlOk, tempDir, type RunResult } from './helpers/samctl.js';

interface Finding {
  key: string;
  severity: 'error' | 'expiry' | 'notice';
  message: string;
  fix: string;
}
interface Report {
  command: string;
  file: string;
  listeners: Array<{ name: string; keystore?: { source: string; certificates: Array<{ sans: string[]; daysLeft: number }> } }>;
  findings: Finding[];
  exitCode: number;
}

// Real brokers issued by samctl, a server.properties written around each one's
// server-ssl.properties, and keytool / node:crypto judging the stores as Kafka would.
describe('samctl check <server.properties>', () => {
  const cwd = tempDir('samctl-check-');
  const brokerDir = (pki: string, host: string) => join(cwd, pki, 'brokers', host);
  const outputs: RunResult[] = [];
  const secrets: string[] = [];

  /** A KRaft combined node: the snippet samctl wrote, then listener lines (in .properties the last value wins). */
  function serverProperties(name: string, snippetOf: string, extra = '', drop: string[] = []): string {
    const snippet = readFileSync(join(snippetOf, 'server-ssl.properties'), 'utf8')
      .split('\n')
      .filter((line) => !drop.some((key) => line.startsWith(`${key}=`)))
      .join('\n');
    const file = join(cwd, `${name}.properties`);
    writeFileSync(
      file,
      `${snippet}
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@localhost:9093
controller.listener.names=CONTROLLER
listeners=SSL://:9092,CONTROLLER://localhost:9093
listener.security.protocol.map=SSL:SSL,CONTROLLER:PLAINTEXT
log.dirs=${join(cwd, 'kraft-logs')}
${extra}`,
    );
    return file;
  }

  async function check(file: string, ...args: string[]): Promise<RunResult & { report: Report }> {
    const result = await samctl(['check', file, '--json', ...args], { cwd });
    outputs.push(result);
    return { ...result, report: JSON.parse(result.stdout) as Report };
  }

  const keys = (report: Report) => report.findings.filter((finding) => finding.severity !== 'notice').map((finding) => finding.key);

  beforeAll(async () => {
    // Four independent PKI directories, issued side by side.
    const pki = async (dir: string, caArgs: string[], ...issues: string[][]) => {
      await samctlOk(['--dir', dir, 'ca', 'init', '--key-size', '2048', ...caArgs], { cwd });
      for (const issue of issues) await samctlOk(['--dir', dir, 'broker', 'issue', ...issue], { cwd });
    };
    const sam01 = (type: string) => ['sam01.example', '--san', 'localhost', '--san', '127.0.0.1', '--store-type', type];
    await Promise.all([
      // sam02: same CA, other SANs, to tell which keystore a listener really uses.
      pki('jks', [], sam01('jks'), ['sam02.example', '--san', 'sam02.local'], ['soon.example', '--days', '5']),
      pki('pkcs12', [], sam01('pkcs12')),
      pki('pem', [], sam01('pem')),
      pki('foreign', ['--cn', 'Someone Else CA'], ['sam01.example', '--san', 'localhost']),
    ]);
    for (const [pki, host] of [['jks', 'sam01.example'], ['jks', 'sam02.example'], ['jks', 'soon.example'], ['pkcs12', 'sam01.example'], ['foreign', 'sam01.example']]) {
      for (const file of ['store.password', 'truststore.password']) secrets.push(readFileSync(join(brokerDir(pki, host), file), 'utf8').trim());
    }
    secrets.push('Wrong-Pass-4711', 'Wrong-Key-Pass-0815');
  });

  it.each(['jks', 'pkcs12', 'pem'])('passes a broker samctl issued with --store-type %s (exit 0, no findings)', async (type) => {
    const { exitCode, report } = await check(serverProperties(`clean-${type}`, brokerDir(type, 'sam01.example'), 'advertised.listeners=SSL://sam01.example:9092\n'));
    expect(report.findings.filter((finding) => finding.severity !== 'notice')).toEqual([]);
    expect(exitCode).toBe(0);
    const ssl = report.listeners.find((listener) => listener.name === 'SSL')!;
    expect(ssl.keystore!.certificates[0].sans).toEqual(['DNS:sam01.example', 'DNS:localhost', 'IP Address:127.0.0.1']);
    expect(ssl.keystore!.certificates[0].daysLeft).toBeGreaterThan(360);
  });

  it('matches the advertised host as TLS clients do: any case, an IP against IP SANs only', async () => {
    const dir = brokerDir('jks', 'sam01.example');
    for (const host of ['SAM01.Example', '127.0.0.1', 'localhost']) {
      const { exitCode, report } = await check(serverProperties('case', dir, `advertised.listeners=SSL://${host}:9092\n`));
      expect([host, keys(report)]).toEqual([host, []]);
      expect(exitCode).toBe(0);
    }
  });

  it('names advertised.listeners when the advertised host is not in the keystore SANs (exit 1, one finding, one line)', async () => {
    const file = serverProperties('wrong-host', brokerDir('jks', 'sam01.example'), 'advertised.listeners=SSL://kafka.example.com:9092\n');
    const { exitCode, report } = await check(file);
    expect(exitCode).toBe(1);
    expect(keys(report)).toEqual(['advertised.listeners']);
    expect(report.findings[0].message).toContain('advertises kafka.example.com');

    const human = await samctl(['check', file], { cwd });
    outputs.push(human);
    expect(human.exitCode).toBe(1);
    const lines = human.stdout.split('\n').filter((line) => line.startsWith('✘'));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^✘ advertised\.listeners: .*kafka\.example\.com.* fix: .+/);

    const ip = await check(serverProperties('wrong-ip', brokerDir('jks', 'sam01.example'), 'advertised.listeners=SSL://127.0.0.2:9092\n'));
    expect(keys(ip.report)).toEqual(['advertised.listeners']);
  });

  it('reports an advertised listener without a host: Kafka would advertise the canonical host name', async () => {
    const { exitCode, report } = await check(serverProperties('no-host', brokerDir('jks', 'sam01.example'), 'advertised.listeners=SSL://:9092\n'));
    expect(exitCode).toBe(1);
    expect(keys(report)).toEqual(['advertised.listeners']);
    expect(report.findings[0].fix).toBe('name the host in advertised.listeners, e.g. SSL://sam01.example:9092');
  });

  it('names the key whose password is wrong: store password, JKS key password, PKCS12 key password', async () => {
    const jks = brokerDir('jks', 'sam01.example');
    const store = await check(serverProperties('bad-store-pass', jks, 'advertised.listeners=SSL://sam01.example:9092\nssl.keystore.password=Wrong-Pass-4711\n'));
    expect(store.exitCode).toBe(1);
    expect(keys(store.report)).toEqual(['ssl.keystore.password']);

    const key = await check(serverProperties('bad-key-pass', jks, 'advertised.listeners=SSL://sam01.example:9092\nssl.key.password=Wrong-Key-Pass-0815\n'));
    expect(key.exitCode).toBe(1);
    expect(keys(key.report)).toEqual(['ssl.key.password']);

    const trust = await check(serverProperties('bad-trust-pass', jks, 'advertised.listeners=SSL://sam01.example:9092\nssl.truststore.password=Wrong-Pass-4711\n'));
    expect(keys(trust.report)).toEqual(['ssl.truststore.password']);

    // keytool ignores a separate PKCS12 key password; Java's KeyManagerFactory does not.
    const p12 = await check(serverProperties('bad-p12-key-pass', brokerDir('pkcs12', 'sam01.example'), 'advertised.listeners=SSL://sam01.example:9092\nssl.key.password=Wrong-Key-Pass-0815\n'));
    expect(p12.exitCode).toBe(1);
    expect(keys(p12.report)).toEqual(['ssl.key.password']);
  });

  it('resolves ${file:…} passwords through FileConfigProvider, and names the key when the file holds the wrong one', async () => {
    const jks = brokerDir('jks', 'sam01.example');
    const [storePassword, truststorePassword] = ['store.password', 'truststore.password'].map((file) => readFileSync(join(jks, file), 'utf8').trim());
    const secretsFile = join(cwd, 'secrets.properties');
    const provider = `config.providers=file
config.providers.file.class=org.apache.kafka.common.config.provider.FileConfigProvider
advertised.listeners=SSL://sam01.example:9092
ssl.keystore.password=\${file:${secretsFile}:keystore.password}
ssl.key.password=\${file:${secretsFile}:keystore.password}
ssl.truststore.password=\${file:${secretsFile}:truststore.password}
`;
    writeFileSync(secretsFile, `keystore.password=${storePassword}\ntruststore.password=${truststorePassword}\n`, { mode: 0o600 });
    const good = await check(serverProperties('provider-good', jks, provider));
    expect(keys(good.report)).toEqual([]);
    expect(good.exitCode).toBe(0);

    writeFileSync(secretsFile, `keystore.password=Wrong-Pass-4711\ntruststore.password=${truststorePassword}\n`, { mode: 0o600 });
    const bad = await check(serverProperties('provider-bad', jks, provider));
    expect(bad.exitCode).toBe(1);
    expect(keys(bad.report)).toEqual(['ssl.keystore.password']);
    expect(bad.report.findings[0].message).toContain(`\${file:${secretsFile}:keystore.password}`);

    // The same reference without config.providers: Kafka would use the text itself as the password.
    const unconfigured = await check(serverProperties('provider-missing', jks, provider.split('\n').slice(2).join('\n'), ['config.providers', 'config.providers.file.class']));
    expect(unconfigured.exitCode).toBe(1);
    expect(new Set(keys(unconfigured.report))).toEqual(new Set(['ssl.keystore.password', 'ssl.key.password', 'ssl.truststore.password']));
    expect(unconfigured.report.findings[0].fix).toContain('config.providers=file');
  });

  it('reads inline PEM stores (ssl.keystore.key, ssl.keystore.certificate.chain, ssl.truststore.certificates)', async () => {
    const dir = brokerDir('pem', 'sam01.example');
    const keystore = readFileSync(join(dir, 'keystore.pem'), 'utf8');
    const split = keystore.indexOf('-----BEGIN CERTIFICATE-----');
    const inline = (text: string) => text.trim().replace(/\r?\n/g, '\\n');
    const lines = `advertised.listeners=SSL://sam01.example:9092
ssl.keystore.key=${inline(keystore.slice(0, split))}
ssl.keystore.certificate.chain=${inline(keystore.slice(split))}
ssl.truststore.certificates=${inline(readFileSync(join(dir, 'truststore.pem'), 'utf8'))}
`;
    const clean = await check(serverProperties('inline', dir, lines, ['ssl.keystore.location', 'ssl.truststore.location']));
    expect(keys(clean.report)).toEqual([]);
    expect(clean.report.listeners[0].keystore!.source).toBe('inline');
    expect(clean.report.listeners[0].keystore!.certificates[0].sans).toContain('DNS:sam01.example');

    const both = await check(serverProperties('inline-and-location', dir, lines, ['ssl.truststore.location']));
    expect(both.exitCode).toBe(1);
    expect(keys(both.report)).toEqual(['ssl.keystore.location']);
  });

  it('reports a missing truststore (exit 1) naming ssl.truststore.location', async () => {
    const { exitCode, report } = await check(serverProperties('no-truststore', brokerDir('jks', 'sam01.example'), `advertised.listeners=SSL://sam01.example:9092\nssl.truststore.location=${join(cwd, 'gone', 'truststore.jks')}\n`));
    expect(exitCode).toBe(1);
    expect(keys(report)).toEqual(['ssl.truststore.location']);
    expect(report.findings[0].message).toContain('does not exist');
  });

  it('reports a keystore from another CA than the truststore holds, on the inter-broker listener', async () => {
    const foreign = brokerDir('foreign', 'sam01.example');
    const foreignPassword = readFileSync(join(foreign, 'store.password'), 'utf8').trim();
    const { exitCode, report } = await check(
      serverProperties('foreign-ca', brokerDir('jks', 'sam01.example'), `advertised.listeners=SSL://localhost:9092
ssl.keystore.location=${join(foreign, 'keystore.jks')}
ssl.keystore.password=${foreignPassword}
ssl.key.password=${foreignPassword}
`),
    );
    expect(exitCode).toBe(1);
    expect(keys(report)).toEqual(['ssl.truststore.location']);
    expect(report.findings[0].message).toContain('issued by CN=Someone Else CA');
  });

  it('uses the listener-prefixed keystore over the plain one, as Kafka does', async () => {
    const one = brokerDir('jks', 'sam01.example');
    const two = brokerDir('jks', 'sam02.example');
    const keystoreLines = (prefix: string, dir: string) => {
      const password = readFileSync(join(dir, 'store.password'), 'utf8').trim();
      return `${prefix}ssl.keystore.location=${join(dir, 'keystore.jks')}\n${prefix}ssl.keystore.password=${password}\n${prefix}ssl.key.password=${password}\n`;
    };
    const prefixedOne = await check(serverProperties('prefixed-one', one, `advertised.listeners=SSL://sam01.example:9092\n${keystoreLines('', two)}${keystoreLines('listener.name.ssl.', one)}`));
    expect(keys(prefixedOne.report)).toEqual([]);
    expect(prefixedOne.report.listeners[0].keystore!.source).toBe(join(one, 'keystore.jks'));

    const prefixedTwo = await check(serverProperties('prefixed-two', one, `advertised.listeners=SSL://sam01.example:9092\n${keystoreLines('', one)}${keystoreLines('listener.name.ssl.', two)}`));
    expect(prefixedTwo.exitCode).toBe(1);
    expect(keys(prefixedTwo.report)).toEqual(['advertised.listeners']);
    expect(prefixedTwo.report.findings[0].message).toContain('DNS:sam02.local');
  });

  it('reports mTLS off, an unmapped listener and both inter-broker keys', async () => {
    const { exitCode, report } = await check(
      serverProperties('kafka-refuses', brokerDir('jks', 'sam01.example'), `advertised.listeners=SSL://sam01.example:9092
listeners=SSL://:9092,CONTROLLER://localhost:9093,REPLICATION://:9094
security.inter.broker.protocol=SSL
listener.name.ssl.ssl.client.auth=requested
`),
    );
    expect(exitCode).toBe(1);
    expect(keys(report).sort()).toEqual(['listener.name.ssl.ssl.client.auth', 'listener.security.protocol.map', 'security.inter.broker.protocol']);
  });

  it('exits 3 when the only finding is a keystore certificate expiring within --within', async () => {
    const soon = serverProperties('soon', brokerDir('jks', 'soon.example'), 'advertised.listeners=SSL://soon.example:9092\n');
    const { exitCode, report } = await check(soon, '--within', '30d');
    expect(exitCode).toBe(3);
    expect(report.findings.filter((finding) => finding.severity !== 'notice').map((finding) => [finding.key, finding.severity])).toEqual([['ssl.keystore.location', 'expiry']]);
    expect(report.findings[0].message).toMatch(/expires in [45] days/);
    expect((await check(soon, '--within', '3d')).exitCode).toBe(0);
  });

  it('exits 2 with one line naming the file when it is missing, binary or not a broker config', async () => {
    const binary = join(cwd, 'garbage.properties');
    writeFileSync(binary, Buffer.from(Array.from({ length: 512 }, (_, index) => (index * 7919) % 256)));
    const prose = join(cwd, 'notes.txt');
    writeFileSync(prose, 'remember to renew the certificates\nbefore friday\n');
    for (const [file, message] of [
      [binary, `samctl: ${binary} is not a properties file: it holds binary data`],
      [prose, `samctl: ${prose} is not a Kafka broker config: it sets no listeners, process.roles, node.id or ssl.* key`],
      [join(cwd, 'nope.properties'), `samctl: no such file: ${join(cwd, 'nope.properties')}`],
      [join(brokerDir('jks', 'sam01.example'), 'keystore.jks'), `samctl: ${join(brokerDir('jks', 'sam01.example'), 'keystore.jks')} is not a properties file: it holds binary data`],
    ]) {
      const result = await samctl(['check', file], { cwd });
      outputs.push(result);
      expect(result.exitCode).toBe(2);
      expect(result.stderr.split('\n')[0]).toBe(message);
      expect(result.stdout).toBe('');
    }
    const badWithin = await samctl(['check', serverProperties('within', brokerDir('jks', 'sam01.example')), '--within', 'soon'], { cwd });
    expect(badWithin.exitCode).toBe(2);
  });

  it('never prints a password: not on stdout, stderr or in --json', () => {
    expect(outputs.length).toBeGreaterThan(20);
    expect(secrets.length).toBe(12);
    for (const { stdout, stderr } of outputs) {
      for (const secret of secrets) {
        expect(stdout).not.toContain(secret);
        expect(stderr).not.toContain(secret);
      }
    }
  });
});
