/**
 * samctl's GSSAPI identities, judged by MIT Kerberos tools: keytabs made by kadmin.local (a
 * throwaway realm) are read as klist -k reads them; broker and client issue with --sasl gssapi
 * check the keytab before writing, copy it in at 0600, and write the Kerberos settings; bad
 * input is one line, exit 2, nothing written; renew keeps the keytab; export ships it.
 * Kafka itself judges the files in gssapi-kafka.test.ts.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseKeytab, enctypeName } from '../../src/pki/keytab.js';
import { samctl, samctlOk, snapshotTree, tempDir } from '../helpers/samctl.js';
import { requireKerberos, startKdc, type Kdc } from './kdc.js';

const kerberos = requireKerberos();

describe.skipIf(!kerberos)('GSSAPI identities (keytabs from kadmin.local)', () => {
  const cwd = tempDir('samctl-gssapi-cli-');
  const pki = join(cwd, 'pki');
  const broker = (file: string) => join(pki, 'brokers', 'localhost', file);
  const alice = (file: string) => join(pki, 'clients', 'alice', file);
  const mode = (path: string) => statSync(path).mode & 0o777;
  const kt = (name: string) => join(cwd, name);
  let kdc: Kdc | undefined;
  let realm = '';

  beforeAll(async () => {
    kdc = await startKdc(join(cwd, 'kdc'));
    realm = kdc.realm;
    await kdc.addPrincipal('kafka/localhost', kt('kafka.keytab'));
    await kdc.addPrincipal('alice', kt('alice.keytab'));
    // Two principals in one keytab, the second one rekeyed (kvno 3): what klist -k lists.
    await kdc.addPrincipal('bob', kt('two.keytab'));
    await kdc.kadmin(`ktadd -k ${kt('two.keytab')} alice@${realm}`);
    // An emptied keytab: ktremove leaves the header and holes.
    await kdc.addPrincipal('carol', kt('empty.keytab'));
    await kdc.kadmin(`ktremove -k ${kt('empty.keytab')} carol@${realm} all`);
    writeFileSync(kt('not-a.keytab'), '[libdefaults]\n  default_realm = X\n');
    await samctlOk(['ca', 'init', '--key-size', '2048'], { cwd });
  }, 120_000);

  afterAll(async () => {
    await kdc?.stop();
  });

  it('parseKeytab reads what klist -k lists: principals, kvno, enctypes, in order', () => {
    const listed = execFileSync('klist', ['-k', '-e', kt('two.keytab')], { env: { ...process.env, ...kdc!.env }, encoding: 'utf8' })
      .split('\n')
      .map((line) => /^\s*(\d+) (\S+) \((\S+)\)/.exec(line))
      .filter((match): match is RegExpExecArray => match !== null)
      .map((match) => `${match[1]} ${match[2]} ${match[3]}`);
    const parsed = parseKeytab(readFileSync(kt('two.keytab'))).map((entry) => `${entry.kvno} ${entry.principal} ${enctypeName(entry.enctype)}`);
    expect(listed.length).toBe(4);
    expect(parsed).toEqual(listed);
    expect(parseKeytab(readFileSync(kt('empty.keytab')))).toEqual([]);
  });

  describe('bad input: one line, exit 2, nothing written', () => {
    const cases: Array<{ name: string; args: () => string[]; stderr: RegExp }> = [
      { name: 'a keytab without the named principal', args: () => ['broker', 'issue', 'localhost', '--sasl', 'gssapi', '--keytab', kt('alice.keytab'), '--kerberos-principal', `kafka/localhost@${realm}`], stderr: /^samctl: --keytab \S+alice\.keytab does not hold kafka\/localhost@SAMCTL\.TEST \(it holds alice@SAMCTL\.TEST\)\nhint: check the name with klist -k/ },
      { name: 'a file that is not a keytab', args: () => ['client', 'issue', 'alice', '--sasl', 'gssapi', '--keytab', kt('not-a.keytab'), '--kerberos-principal', `alice@${realm}`], stderr: /^samctl: --keytab \S+not-a\.keytab is not usable: it is not a Kerberos keytab/ },
      { name: 'an empty keytab', args: () => ['client', 'issue', 'alice', '--sasl', 'gssapi', '--keytab', kt('empty.keytab'), '--kerberos-principal', `carol@${realm}`], stderr: /^samctl: --keytab \S+empty\.keytab holds no keys \(an empty keytab\)/ },
      { name: 'a realm-less principal', args: () => ['client', 'issue', 'alice', '--sasl', 'gssapi', '--keytab', kt('alice.keytab'), '--kerberos-principal', 'alice'], stderr: /^samctl: --kerberos-principal "alice" has no realm\nhint: / },
      { name: '--sasl with an unknown mechanism', args: () => ['broker', 'issue', 'localhost', '--sasl', 'gssapi,plain'], stderr: /^samctl: unknown --sasl mechanism "plain"\nhint: samctl supports: scram-sha-512, gssapi/ },
      { name: '--sasl gssapi without --keytab', args: () => ['client', 'issue', 'alice', '--sasl', 'gssapi', '--kerberos-principal', `alice@${realm}`], stderr: /^samctl: --sasl gssapi needs --keytab <file>/ },
      { name: '--keytab without --sasl gssapi', args: () => ['client', 'issue', 'alice', '--sasl', 'scram-sha-512', '--keytab', kt('alice.keytab')], stderr: /^samctl: --keytab needs --sasl gssapi/ },
      { name: 'a missing keytab file', args: () => ['client', 'issue', 'alice', '--sasl', 'gssapi', '--keytab', kt('nope.keytab'), '--kerberos-principal', `alice@${realm}`], stderr: /^samctl: cannot read --keytab \S+nope\.keytab: no such file/ },
    ];
    for (const testCase of cases) {
      it(`refuses ${testCase.name}`, async () => {
        const before = snapshotTree(cwd);
        const result = await samctl(testCase.args(), { cwd });
        expect(result.stderr).toMatch(testCase.stderr);
        expect(result.exitCode).toBe(2);
        expect(result.stderr.trimEnd().split('\n').length).toBeLessThanOrEqual(2);
        expect(result.stdout).toBe('');
        expect(snapshotTree(cwd)).toEqual(before);
      });
    }
  });

  it('broker issue --sasl gssapi,scram-sha-512 copies the keytab in (0600) and writes the Kerberos listener settings', async () => {
    const issued = await samctlOk(['broker', 'issue', 'localhost', '--sasl', 'gssapi,scram-sha-512', '--keytab', kt('kafka.keytab'), '--kerberos-principal', `kafka/localhost@${realm}`, '--krb5-conf', kdc!.krb5Conf], { cwd });
    expect(issued.stdout).toContain(`Kerberos: localhost logs in as kafka/localhost@SAMCTL.TEST; start the broker with KAFKA_OPTS=-Djava.security.krb5.conf=${broker('krb5.conf')}`);
    expect(readFileSync(broker('broker.keytab'))).toEqual(readFileSync(kt('kafka.keytab')));
    expect(mode(broker('broker.keytab'))).toBe(0o600);
    expect(readFileSync(broker('krb5.conf'), 'utf8')).toBe(readFileSync(kdc!.krb5Conf, 'utf8'));
    const snippet = readFileSync(broker('server-ssl.properties'), 'utf8');
    expect(snippet).toMatch(/^sasl\.enabled\.mechanisms=GSSAPI,SCRAM-SHA-512$/m);
    expect(snippet).toContain(`listener.name.sasl_ssl.gssapi.sasl.jaas.config=com.sun.security.auth.module.Krb5LoginModule required useKeyTab=true storeKey=true keyTab="${broker('broker.keytab')}" principal="kafka/localhost@SAMCTL.TEST";\n`);
    expect(snippet).toContain('listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;\n');
    expect(snippet).toMatch(/^sasl\.kerberos\.service\.name=kafka$/m);
    expect(snippet).toMatch(/^sasl\.kerberos\.principal\.to\.local\.rules=RULE:\[1:\$1@\$0\]\(\.\*@SAMCTL\[\.\]TEST\)s\/@\.\*\/\/,DEFAULT$/m);
    expect(snippet).toContain(`#   KAFKA_OPTS=-Djava.security.krb5.conf=${broker('krb5.conf')}`);
    const inventory = JSON.parse(readFileSync(join(pki, 'samctl.json'), 'utf8'));
    expect(inventory.identities.find((entry: { name: string }) => entry.name === 'localhost').sasl).toEqual({
      mechanism: 'gssapi',
      mechanisms: ['gssapi', 'scram-sha-512'],
      port: 9093,
      kerberos: { principal: 'kafka/localhost@SAMCTL.TEST', krb5Conf: true },
    });
  });

  it('samctl check reads the GSSAPI listener: the snippet passes; a missing semicolon, a wrong keytab or service name are errors', async () => {
    const good = await samctl(['check', broker('server-ssl.properties')], { cwd });
    expect(good.exitCode, good.stdout + good.stderr).toBe(0);
    expect(good.stdout).toMatch(/no findings in 2 listener\(s\)/);
    const snippet = readFileSync(broker('server-ssl.properties'), 'utf8');
    const variants: Array<[string, string, RegExp]> = [
      ['no-semicolon', snippet.replace('principal="kafka/localhost@SAMCTL.TEST";', 'principal="kafka/localhost@SAMCTL.TEST"'), /JAAS line is broken: it does not end with a semicolon/],
      ['other-keytab', snippet.replace(broker('broker.keytab'), kt('alice.keytab')), /the keytab \S+alice\.keytab does not hold kafka\/localhost@SAMCTL\.TEST \(it holds alice@SAMCTL\.TEST\)/],
      ['service-name', snippet.replace('sasl.kerberos.service.name=kafka', 'sasl.kerberos.service.name=kafka-svc'), /sasl\.kerberos\.service\.name=kafka-svc is not the primary of the broker's principal/],
    ];
    for (const [name, text, finding] of variants) {
      const file = join(cwd, `${name}.properties`);
      writeFileSync(file, text, { mode: 0o600 });
      const checked = await samctl(['check', file], { cwd });
      expect(checked.exitCode, `${name}: ${checked.stdout}`).toBe(1);
      expect(checked.stdout).toMatch(finding);
    }
  });

  it('client issue --sasl gssapi writes client-sasl.properties and librdkafka-sasl.properties around the keytab, and no SCRAM password', async () => {
    const issued = await samctlOk(['client', 'issue', 'alice', '--sasl', 'gssapi', '--keytab', kt('two.keytab'), '--kerberos-principal', `alice@${realm}`], { cwd });
    // The principal on the SASL_SSL listener: the Kerberos name after the broker's to.local rules, not the certificate's DN.
    expect(issued.stdout).toMatch(/^  principal  User:alice$/m);
    expect(issued.stdout).toContain('Kerberos: alice logs in as alice@SAMCTL.TEST; Java tools: KAFKA_OPTS=-Djava.security.krb5.conf=/etc/krb5.conf; librdkafka, kafka-python: KRB5_CONFIG=/etc/krb5.conf');
    expect(mode(alice('client.keytab'))).toBe(0o600);
    expect(() => statSync(alice('client-scram.password'))).toThrow();
    const java = readFileSync(alice('client-sasl.properties'), 'utf8');
    expect(java).toMatch(/^security\.protocol=SASL_SSL$/m);
    expect(java).toMatch(/^sasl\.mechanism=GSSAPI$/m);
    expect(java).toMatch(/^sasl\.kerberos\.service\.name=kafka$/m);
    expect(java).toContain(`sasl.jaas.config=com.sun.security.auth.module.Krb5LoginModule required useKeyTab=true storeKey=true keyTab="${alice('client.keytab')}" principal="alice@SAMCTL.TEST";\n`);
    expect(mode(alice('client-sasl.properties'))).toBe(0o644);
    const librdkafka = readFileSync(alice('librdkafka-sasl.properties'), 'utf8');
    expect(librdkafka).toContain(`sasl.mechanisms=GSSAPI\nsasl.kerberos.service.name=kafka\nsasl.kerberos.principal=alice@SAMCTL.TEST\nsasl.kerberos.keytab=${alice('client.keytab')}\nssl.ca.location=${alice('ca.crt')}\n`);
    const inventory = JSON.parse(readFileSync(join(pki, 'samctl.json'), 'utf8'));
    expect(inventory.identities.find((entry: { name: string }) => entry.name === 'alice').sasl).toEqual({ mechanism: 'gssapi', kerberos: { principal: 'alice@SAMCTL.TEST' } });
    // samctl scram has nothing to do for a Kerberos identity.
    const scram = await samctl(['scram', 'alice', '--format-arg'], { cwd });
    expect(scram.exitCode).toBe(2);
    expect(scram.stderr).toMatch(/^samctl: client alice authenticates with GSSAPI \(a Kerberos keytab\), not SCRAM/);
  });

  it('status and verify accept GSSAPI identities; renew re-signs the certificates and keeps the keytabs byte for byte', async () => {
    const status = await samctl(['status'], { cwd });
    expect(status.exitCode, status.stderr).toBe(0);
    expect(status.stdout).toMatch(/^broker localhost .*sasl: SASL_SSL :9093 GSSAPI,SCRAM-SHA-512$/m);
    expect(status.stdout).toMatch(/^client alice .* User:alice +sasl: GSSAPI as alice@SAMCTL\.TEST$/m);
    const json = JSON.parse((await samctlOk(['status', '--json'], { cwd })).stdout);
    expect(json.entries.find((entry: { name: string }) => entry.name === 'alice').principal).toBe('User:alice');
    const verify = await samctl(['verify'], { cwd });
    expect(verify.exitCode, verify.stdout + verify.stderr).toBe(0);
    const before = readFileSync(broker('broker.crt'), 'utf8');
    const renewed = await samctlOk(['renew', 'localhost', 'alice'], { cwd });
    expect(renewed.stdout).toContain('Kerberos keytabs kept as they were (localhost, alice): renewal re-signs TLS certificates only');
    expect(readFileSync(broker('broker.crt'), 'utf8')).not.toBe(before);
    expect(readFileSync(broker('broker.keytab'))).toEqual(readFileSync(kt('kafka.keytab')));
    expect(readFileSync(alice('client.keytab'))).toEqual(readFileSync(kt('two.keytab')));
    expect(mode(alice('client.keytab'))).toBe(0o600);
    expect(readFileSync(broker('server-ssl.properties'), 'utf8')).toMatch(/^sasl\.enabled\.mechanisms=GSSAPI,SCRAM-SHA-512$/m);
    expect(readFileSync(alice('client-sasl.properties'), 'utf8')).toMatch(/^sasl\.mechanism=GSSAPI$/m);
  });

  it('samctl acl of a GSSAPI client names its Kerberos short name (User:alice), not its DN', async () => {
    const review = JSON.parse((await samctlOk(['acl', 'alice', '--produce', 'prediction', '--json'], { cwd })).stdout);
    expect(review.principal).toBe('User:alice');
    expect(review.commands.map((action: { command: string }) => action.command).join('\n')).toContain("--allow-principal User:alice ");
  });

  it('--secrets inline: a GSSAPI client-sasl.properties holds the truststore password, so it is 0600', async () => {
    await samctlOk(['client', 'issue', 'bob', '--sasl', 'gssapi', '--keytab', kt('two.keytab'), '--kerberos-principal', `bob@${realm}`, '--secrets', 'inline'], { cwd });
    const config = join(pki, 'clients', 'bob', 'client-sasl.properties');
    const truststorePassword = readFileSync(join(pki, 'clients', 'bob', 'truststore.password'), 'utf8').trim();
    expect(readFileSync(config, 'utf8')).toContain(`ssl.truststore.password=${truststorePassword}\n`);
    expect(mode(config)).toBe(0o600);
  });

  it('export ships the keytab (0600) and krb5.conf, named for the install dir', async () => {
    await samctlOk(['configure', 'localhost', '--install-dir', '/ssl'], { cwd });
    const snippet = readFileSync(broker('server-ssl.properties'), 'utf8');
    expect(snippet).toContain('keyTab="/ssl/broker.keytab" principal="kafka/localhost@SAMCTL.TEST";');
    expect(snippet).toContain('KAFKA_OPTS=-Djava.security.krb5.conf=/ssl/broker.krb5.conf');
    const out = join(cwd, 'localhost.tar');
    await samctlOk(['export', 'localhost', '--out', out], { cwd });
    const listing = execFileSync('tar', ['--numeric-owner', '-tvf', out], { encoding: 'utf8' });
    expect(listing).toMatch(/^-rw------- .* broker\.keytab$/m);
    expect(listing).toMatch(/^-rw-r--r-- .* broker\.krb5\.conf$/m);
  });

  it('a lost keytab: status reports it missing (exit 1), renew refuses in one line naming the file and the fix', async () => {
    rmSync(alice('client.keytab'));
    const status = await samctl(['status'], { cwd });
    expect(status.exitCode).toBe(1);
    expect(status.stdout).toMatch(/^client alice +missing .*missing client\.keytab/m);
    const before = snapshotTree(pki);
    const renew = await samctl(['renew', 'alice'], { cwd });
    expect(renew.exitCode).toBe(1);
    expect(renew.stderr).toMatch(/^samctl: \S+client\.keytab cannot be read \(ENOENT\): client alice's Kerberos files are incomplete\nhint: .*samctl client issue alice --sasl gssapi --keytab '<keytab>' --kerberos-principal alice@SAMCTL\.TEST --force/);
    expect(snapshotTree(pki)).toEqual(before);
  });
});
