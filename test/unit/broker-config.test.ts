import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { parseBrokerProperties, resolveListeners, sslSettingsFor } from '../../src/check/broker-config.js';
import { resolveConfigProviders, type FileReader } from '../../src/check/config-providers.js';
import { keyFormat, openPemKey, pemBlocks } from '../../src/check/pem-store.js';
import { SamctlError } from '../../src/errors.js';

const parse = (text: string) => parseBrokerProperties(Buffer.from(text, 'latin1'), 'server.properties');

/** A reader over in-memory files: no disk, exact results. */
const files =
  (contents: Record<string, string>): FileReader =>
  (path) =>
    path in contents ? { text: contents[path] } : { error: 'no such file' };

const FILE_PROVIDER = 'config.providers=file\nconfig.providers.file.class=org.apache.kafka.common.config.provider.FileConfigProvider\n';

describe('parseBrokerProperties', () => {
  it('reads java.util.Properties syntax as ISO-8859-1 with escapes, continuations and : separators', () => {
    expect(parse('# comment\nlisteners = SSL://:9093\nssl.keystore.location:/srv/k\\u00e9/ks.jks\nssl.truststore.location=/a/\\\n    b.jks\n')).toEqual({
      listeners: 'SSL://:9093',
      'ssl.keystore.location': '/srv/ké/ks.jks',
      'ssl.truststore.location': '/a/b.jks',
    });
  });

  it('refuses binary content and files without a broker setting, as bad input (exit 2)', () => {
    const binary = () => parseBrokerProperties(Buffer.from([0xfe, 0xed, 0xfe, 0xed, 0, 0, 0, 2]), 'keystore.jks');
    expect(binary).toThrow(SamctlError);
    expect(binary).toThrow('keystore.jks is not a properties file: it holds binary data');
    try {
      parse('hello world\nfoo=bar\n');
    } catch (err) {
      expect((err as SamctlError).exitCode).toBe(2);
      expect((err as SamctlError).message).toBe('server.properties is not a Kafka broker config: it sets no listeners, process.roles, node.id or ssl.* key');
      return;
    }
    throw new Error('a file without broker settings was accepted');
  });
});

describe('resolveListeners', () => {
  it('models a KRaft combined node: names upper-cased, advertised per listener, controller falls back to listeners', () => {
    const model = resolveListeners(
      parse(`process.roles=broker,controller
listeners=internal://:9093, EXTERNAL://0.0.0.0:9094 ,CONTROLLER://[::1]:9095
advertised.listeners=INTERNAL://b1.internal:9093,EXTERNAL://Kafka.Example.com:9094
listener.security.protocol.map=INTERNAL:SSL,EXTERNAL:sasl_ssl,CONTROLLER:SSL
controller.listener.names=CONTROLLER
inter.broker.listener.name=INTERNAL
`),
    );
    expect(model.findings).toEqual([]);
    expect(model.interBroker).toEqual({ name: 'INTERNAL', key: 'inter.broker.listener.name' });
    expect(model.listeners).toEqual([
      { name: 'INTERNAL', protocol: 'SSL', bind: { name: 'INTERNAL', host: '', port: 9093 }, advertised: { name: 'INTERNAL', host: 'b1.internal', port: 9093, from: 'advertised.listeners' }, controller: false, interBroker: true },
      { name: 'EXTERNAL', protocol: 'SASL_SSL', bind: { name: 'EXTERNAL', host: '0.0.0.0', port: 9094 }, advertised: { name: 'EXTERNAL', host: 'Kafka.Example.com', port: 9094, from: 'advertised.listeners' }, controller: false, interBroker: false },
      { name: 'CONTROLLER', protocol: 'SSL', bind: { name: 'CONTROLLER', host: '::1', port: 9095 }, advertised: { name: 'CONTROLLER', host: '::1', port: 9095, from: 'listeners' }, controller: true, interBroker: false },
    ]);
  });

  it('advertises listeners when advertised.listeners is absent, and leaves a broker listener it omits unadvertised', () => {
    const fallback = resolveListeners(parse('listeners=SSL://broker1:9093\nsecurity.inter.broker.protocol=SSL\n'));
    expect(fallback.listeners[0].advertised).toEqual({ name: 'SSL', host: 'broker1', port: 9093, from: 'listeners' });
    expect(fallback.interBroker).toEqual({ name: 'SSL', key: 'security.inter.broker.protocol' });
    expect(fallback.findings).toEqual([]);

    const omitted = resolveListeners(parse('listeners=SSL://:9093,REPLICATION://:9094\nadvertised.listeners=SSL://b1:9093\nlistener.security.protocol.map=SSL:SSL,REPLICATION:SSL\ninter.broker.listener.name=SSL\n'));
    expect(omitted.listeners.map((listener) => listener.advertised?.host)).toEqual(['b1', undefined]);
  });

  it("uses Kafka's default protocol map when the key is absent, and flags listeners it does not cover", () => {
    const model = resolveListeners(parse('listeners=SSL://:9093,CLIENTS://:9094\ninter.broker.listener.name=SSL\n'));
    expect(model.listeners.map((listener) => listener.protocol)).toEqual(['SSL', undefined]);
    expect(model.findings).toEqual([
      {
        key: 'listener.security.protocol.map',
        severity: 'error',
        message: 'listener.security.protocol.map does not cover the listener CLIENTS: Kafka refuses to start',
        fix: 'add CLIENTS:SSL (or its protocol) to listener.security.protocol.map',
      },
    ]);
  });

  it('maps KRaft controller listeners to PLAINTEXT only when the map is absent and nothing uses SSL or SASL', () => {
    const plain = resolveListeners(parse('process.roles=controller\nlisteners=CONTROLLER://:9093\ncontroller.listener.names=CONTROLLER\n'));
    expect(plain.listeners[0].protocol).toBe('PLAINTEXT');
    const withSsl = resolveListeners(parse('process.roles=broker,controller\nlisteners=SSL://:9092,CONTROLLER://:9093\ncontroller.listener.names=CONTROLLER\ninter.broker.listener.name=SSL\n'));
    expect(withSsl.listeners.map((listener) => listener.protocol)).toEqual(['SSL', undefined]);
    expect(withSsl.findings.map((finding) => finding.message)).toEqual(['listener.security.protocol.map does not cover the listener CONTROLLER: Kafka refuses to start']);
  });

  it('reports what Kafka refuses: both inter-broker keys, an unknown inter-broker listener, bad entries, advertised names not listened on', () => {
    const both = resolveListeners(parse('listeners=SSL://:9093\ninter.broker.listener.name=SSL\nsecurity.inter.broker.protocol=SSL\n'));
    expect(both.findings).toEqual([
      {
        key: 'security.inter.broker.protocol',
        severity: 'error',
        message: 'inter.broker.listener.name and security.inter.broker.protocol are both set: Kafka refuses to start',
        fix: 'keep inter.broker.listener.name and remove security.inter.broker.protocol',
      },
    ]);

    // Neither key set: Kafka looks for a listener named PLAINTEXT (security.inter.broker.protocol's default).
    const missing = resolveListeners(parse('listeners=SSL://:9093\n'));
    expect(missing.findings.map((finding) => [finding.key, finding.message, finding.fix])).toEqual([
      ['inter.broker.listener.name', 'inter.broker.listener.name names PLAINTEXT, which is not an advertised broker listener: Kafka refuses to start', 'set inter.broker.listener.name to one of SSL'],
    ]);

    const broken = resolveListeners(parse('listeners=SSL://:9093,garbage,SSL://:9094\nadvertised.listeners=SSL://b1:9093,OTHER://b1:9095\ninter.broker.listener.name=SSL\n'));
    expect(broken.findings.map((finding) => [finding.key, finding.message])).toEqual([
      ['listeners', 'listeners entry "garbage" is not NAME://host:port: Kafka refuses to start'],
      ['listeners', 'listeners names the listener SSL twice: Kafka refuses to start'],
      ['advertised.listeners', 'advertised.listeners names OTHER, which listeners does not define: Kafka refuses to start'],
    ]);
  });

  it('skips the inter-broker listener on a controller-only node', () => {
    const model = resolveListeners(parse('process.roles=controller\nlisteners=CONTROLLER://:9093\ncontroller.listener.names=CONTROLLER\nlistener.security.protocol.map=CONTROLLER:SSL\n'));
    expect(model.interBroker).toBeUndefined();
    expect(model.findings).toEqual([]);
  });
});

describe('sslSettingsFor', () => {
  it('takes listener.name.<lower-case listener>.ssl.* over ssl.*, then the plain key, then the default', () => {
    const props = parse(`listeners=INTERNAL://:9093
ssl.keystore.location=/plain/keystore.jks
listener.name.internal.ssl.keystore.location=/internal/keystore.jks
listener.name.INTERNAL.ssl.keystore.password=ignored-upper-case-prefix
ssl.keystore.password=plain-secret
`);
    const internal = sslSettingsFor(props, 'INTERNAL');
    expect(internal.keystoreLocation).toEqual({ key: 'listener.name.internal.ssl.keystore.location', value: '/internal/keystore.jks' });
    expect(internal.keystorePassword).toEqual({ key: 'ssl.keystore.password', value: 'plain-secret' });
    expect(internal.keystoreType).toEqual({ key: 'ssl.keystore.type', value: 'JKS', defaulted: true });
    expect(internal.clientAuth).toEqual({ key: 'ssl.client.auth', value: 'none', defaulted: true });
    expect(internal.truststoreLocation).toEqual({ key: 'ssl.truststore.location', value: undefined, defaulted: true });
    expect(sslSettingsFor(props, 'EXTERNAL').keystoreLocation).toEqual({ key: 'ssl.keystore.location', value: '/plain/keystore.jks' });
  });
});

describe('resolveConfigProviders', () => {
  const secrets = '# broker secrets\nkeystore.password = s3cret \ntruststore.password=tr:ust\n';

  it('replaces ${file:<path>:<key>} from the properties file, trims like Kafka, and records where values came from', () => {
    const resolved = resolveConfigProviders(
      parse(`${FILE_PROVIDER}ssl.keystore.password=\${file:/etc/kafka/secrets.properties:keystore.password}
ssl.truststore.password=\${file:/etc/kafka/secrets.properties:truststore.password}
listeners=SSL://:9093
`),
      files({ '/etc/kafka/secrets.properties': secrets }),
    );
    expect(resolved.findings).toEqual([]);
    expect(resolved.values['ssl.keystore.password']).toBe('s3cret');
    expect(resolved.values['ssl.truststore.password']).toBe('tr:ust');
    expect(resolved.values.listeners).toBe('SSL://:9093');
    expect(resolved.via).toEqual({
      'ssl.keystore.password': '${file:/etc/kafka/secrets.properties:keystore.password}',
      'ssl.truststore.password': '${file:/etc/kafka/secrets.properties:truststore.password}',
    });
    expect(resolved.failed).toEqual([]);
  });

  it('splits ${file:/a:b:c} as Kafka does: path /a, key b:c', () => {
    const resolved = resolveConfigProviders(parse(`${FILE_PROVIDER}ssl.key.password=\${file:/a:b:c}\n`), files({ '/a': 'b\\:c=found\n' }));
    expect(resolved.values['ssl.key.password']).toBe('found');
  });

  it('flags a reference without a configured provider: Kafka keeps the text literally', () => {
    const resolved = resolveConfigProviders(parse('ssl.keystore.password=${file:/etc/kafka/secrets.properties:keystore.password}\n'), files({}));
    expect(resolved.values['ssl.keystore.password']).toBe('${file:/etc/kafka/secrets.properties:keystore.password}');
    expect(resolved.failed).toEqual(['ssl.keystore.password']);
    expect(resolved.findings).toEqual([
      {
        key: 'ssl.keystore.password',
        severity: 'error',
        message: 'ssl.keystore.password uses ${file:/etc/kafka/secrets.properties:keystore.password}, but no "file" config provider is configured: Kafka takes the text literally',
        fix: 'add config.providers=file and config.providers.file.class=org.apache.kafka.common.config.provider.FileConfigProvider',
      },
    ]);
  });

  it('names the file and the key when either is missing', () => {
    const props = parse(`${FILE_PROVIDER}ssl.keystore.password=\${file:/etc/kafka/gone.properties:keystore.password}\nssl.key.password=\${file:/etc/kafka/secrets.properties:key.password}\n`);
    const resolved = resolveConfigProviders(props, files({ '/etc/kafka/secrets.properties': secrets }));
    expect(resolved.findings.map((finding) => [finding.key, finding.message, finding.fix])).toEqual([
      [
        'ssl.keystore.password',
        'ssl.keystore.password uses ${file:/etc/kafka/gone.properties:keystore.password}, but /etc/kafka/gone.properties cannot be read (no such file)',
        'create /etc/kafka/gone.properties (mode 0600, readable by the broker) or fix the path',
      ],
      ['ssl.key.password', 'ssl.key.password uses ${file:/etc/kafka/secrets.properties:key.password}, but /etc/kafka/secrets.properties has no key "key.password": Kafka takes the text literally', 'add key.password=… to /etc/kafka/secrets.properties'],
    ]);
    expect(resolved.failed).toEqual(['ssl.keystore.password', 'ssl.key.password']);
  });

  it('honours allowed.paths, a provider without a class, env references and DirectoryConfigProvider', () => {
    const resolved = resolveConfigProviders(
      parse(`config.providers=file,env,dir,vault
config.providers.file.class=org.apache.kafka.common.config.provider.FileConfigProvider
config.providers.file.param.allowed.paths=/etc/kafka/secrets
config.providers.env.class=org.apache.kafka.common.config.provider.EnvVarConfigProvider
config.providers.dir.class=org.apache.kafka.common.config.provider.DirectoryConfigProvider
ssl.keystore.password=\${file:/etc/kafka/secrets/../other.properties:keystore.password}
ssl.truststore.password=\${env:TRUSTSTORE_PASSWORD}
ssl.key.password=\${dir:/run/secrets:key-password}
`),
      files({ '/etc/kafka/other.properties': secrets, '/run/secrets/key-password': 'from-a-file\n' }),
    );
    expect(resolved.findings.map((finding) => [finding.key, finding.severity, finding.message])).toEqual([
      ['config.providers.vault.class', 'error', 'config.providers names "vault" but gives it no class, so Kafka cannot resolve ${vault:…} references'],
      ['ssl.keystore.password', 'error', 'ssl.keystore.password uses ${file:/etc/kafka/secrets/../other.properties:keystore.password}, but /etc/kafka/secrets/../other.properties is outside config.providers.file.param.allowed.paths'],
    ]);
    expect(resolved.unresolved).toEqual({ 'ssl.truststore.password': "its value comes from the broker's environment (${env:TRUSTSTORE_PASSWORD})" });
    expect(resolved.values['ssl.key.password']).toBe('from-a-file');
  });
});

describe('inline PEM values, as Kafka parses them', () => {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 1024 });
  const pkcs8 = privateKey.export({ format: 'pem', type: 'pkcs8' }) as string;
  const pkcs1 = privateKey.export({ format: 'pem', type: 'pkcs1' }) as string;
  const encrypted = privateKey.export({ format: 'pem', type: 'pkcs8', cipher: 'aes-256-cbc', passphrase: 'key-pass' }) as string;

  it('finds blocks in surrounding text and in a value joined by a properties continuation, but not without whitespace after the header', () => {
    expect(pemBlocks('PRIVATE KEY', `junk before\n${pkcs8}junk after`)).toHaveLength(1);
    const continued = parse(`ssl.keystore.key=${pkcs8.trim().split('\n').join(' \\\n  ')}\n`)['ssl.keystore.key'];
    expect(pemBlocks('PRIVATE KEY', continued)).toHaveLength(1);
    expect(pemBlocks('PRIVATE KEY', pkcs8.replace(/\n/g, ''))).toHaveLength(0);
  });

  it('reads plain PKCS#8 without a password, encrypted PKCS#8 only with the right one, and never PKCS#1', () => {
    const der = (pem: string) => pemBlocks('PRIVATE KEY', pem)[0];
    expect([keyFormat(der(pkcs8)), keyFormat(der(encrypted)), keyFormat(der(pkcs1))]).toEqual(['pkcs8', 'encrypted-pkcs8', 'pkcs1']);
    expect('key' in openPemKey(der(pkcs8), undefined)).toBe(true);
    expect('key' in openPemKey(der(encrypted), 'key-pass')).toBe(true);
    expect(openPemKey(der(encrypted), 'wrong')).toEqual({ problem: 'wrong-password', format: 'encrypted-pkcs8' });
    expect(openPemKey(der(encrypted), undefined)).toEqual({ problem: 'encrypted-without-password', format: 'encrypted-pkcs8' });
    expect(openPemKey(der(pkcs8), 'key-pass')).toEqual({ problem: 'not-encrypted', format: 'pkcs8' });
    expect(openPemKey(der(pkcs1), undefined)).toEqual({ problem: 'not-pkcs8', format: 'pkcs1' });
  });
});
