import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { expectStoreListing } from './helpers/keytool-list.js';
import { CA_PASSWORD, samctlOk, tempDir, tool } from './helpers/samctl.js';

// One PKI made through the CLI; openssl and keytool then judge every file it wrote.
describe('openssl and keytool read what samctl writes', () => {
  const cwd = tempDir();
  const pki = join(cwd, 'pki');
  const broker = join(pki, 'brokers', 'sam01.ynformed.nl');
  const client = join(pki, 'clients', 'prediction-service');
  let clientStdout = '';

  beforeAll(async () => {
    await samctlOk(['ca', 'init', '--org', 'Ynformed'], { cwd });
    await samctlOk(['broker', 'issue', 'sam01.ynformed.nl', '--san', 'sam01', '--san', '10.0.0.11'], { cwd });
    clientStdout = (await samctlOk(['client', 'issue', 'prediction-service'], { cwd })).stdout;
  });

  it('makes a CA certificate with CA:TRUE, keyCertSign and a 4096-bit key by default', async () => {
    const { stdout } = await tool('openssl', ['x509', '-in', join(pki, 'ca', 'ca.crt'), '-noout', '-text']);
    expect(stdout).toMatch(/X509v3 Basic Constraints: critical\s+CA:TRUE/);
    expect(stdout).toMatch(/X509v3 Key Usage: critical\s+Certificate Sign, CRL Sign/);
    expect(stdout).toContain('X509v3 Subject Key Identifier');
    expect(stdout).toContain('Public-Key: (4096 bit)');
    expect(stdout).toContain('Signature Algorithm: sha256WithRSAEncryption');
  });

  it('signs the broker certificate so that openssl verifies it strictly, for server and client use', async () => {
    const ca = join(pki, 'ca', 'ca.crt');
    const crt = join(broker, 'broker.crt');
    for (const purpose of ['sslserver', 'sslclient']) {
      const { stdout } = await tool('openssl', ['verify', '-x509_strict', '-purpose', purpose, '-CAfile', ca, crt]);
      expect(stdout).toContain(': OK');
    }
    const { stdout } = await tool('openssl', ['verify', '-verify_hostname', 'sam01.ynformed.nl', '-CAfile', ca, crt]);
    expect(stdout).toContain(': OK');
    const wrongName = await tool('openssl', ['verify', '-verify_hostname', 'sam02.ynformed.nl', '-CAfile', ca, crt], { reject: false });
    expect(wrongName.exitCode).not.toBe(0);
  });

  it('puts every SAN, both EKUs and the authority key id into the broker certificate', async () => {
    const { stdout } = await tool('openssl', ['x509', '-in', join(broker, 'broker.crt'), '-noout', '-text']);
    expect(stdout).toMatch(/DNS:sam01\.ynformed\.nl, DNS:sam01, IP Address:10\.0\.0\.11/);
    expect(stdout).toMatch(/X509v3 Extended Key Usage:\s+TLS Web Server Authentication, TLS Web Client Authentication/);
    expect(stdout).toMatch(/X509v3 Key Usage: critical\s+Digital Signature, Key Encipherment/);
    expect(stdout).toContain('X509v3 Authority Key Identifier');
    expect(stdout).toMatch(/Subject: O\s*=\s*Ynformed, CN\s*=\s*sam01\.ynformed\.nl/);
    const serial = /Serial Number:\s*\n?\s*([0-9a-f:]+)/.exec(stdout)![1].replace(/:/g, '');
    expect(serial.length).toBeGreaterThanOrEqual(32);
  });

  it('keeps the SANs in the CSR as an extension request', async () => {
    const { stdout } = await tool('openssl', ['req', '-in', join(broker, 'broker.csr'), '-noout', '-text', '-verify']);
    expect(stdout).toMatch(/DNS:sam01\.ynformed\.nl, DNS:sam01, IP Address:10\.0\.0\.11/);
  });

  it('makes a client certificate for clientAuth only, and prints its Kafka principal', async () => {
    const { stdout } = await tool('openssl', ['x509', '-in', join(client, 'client.crt'), '-noout', '-text']);
    expect(stdout).toMatch(/X509v3 Extended Key Usage:\s+TLS Web Client Authentication\n/);
    const verify = await tool('openssl', ['verify', '-purpose', 'sslclient', '-CAfile', join(client, 'ca.crt'), join(client, 'client.crt')]);
    expect(verify.stdout).toContain(': OK');
    const asServer = await tool('openssl', ['verify', '-purpose', 'sslserver', '-CAfile', join(client, 'ca.crt'), join(client, 'client.crt')], { reject: false });
    expect(asServer.exitCode).not.toBe(0);
    expect(clientStdout).toContain('User:CN=prediction-service,O=Ynformed');
  });

  it('writes client.key as unencrypted PKCS#8 that matches client.crt', async () => {
    const pem = readFileSync(join(client, 'client.key'), 'utf8');
    expect(pem).toMatch(/^-----BEGIN PRIVATE KEY-----/);
    const fromKey = await tool('openssl', ['pkey', '-in', join(client, 'client.key'), '-pubout', '-passin', 'pass:'], {});
    const fromCert = await tool('openssl', ['x509', '-in', join(client, 'client.crt'), '-noout', '-pubkey']);
    expect(fromKey.stdout).toBe(fromCert.stdout);
    const brokerKey = await tool('openssl', ['pkey', '-in', join(broker, 'broker.key'), '-pubout']);
    const brokerCert = await tool('openssl', ['x509', '-in', join(broker, 'broker.crt'), '-noout', '-pubkey']);
    expect(brokerKey.stdout).toBe(brokerCert.stdout);
  });

  it('encrypts the CA key: openssl reads it only with the passphrase', async () => {
    const key = join(pki, 'ca', 'ca.key');
    expect(readFileSync(key, 'utf8')).toMatch(/^-----BEGIN ENCRYPTED PRIVATE KEY-----/);
    const withoutPass = await tool('openssl', ['pkey', '-in', key, '-noout', '-passin', 'pass:'], { reject: false });
    expect(withoutPass.exitCode).not.toBe(0);
    const wrongPass = await tool('openssl', ['pkey', '-in', key, '-noout', '-passin', 'pass:wrong'], { reject: false });
    expect(wrongPass.exitCode).not.toBe(0);
    const withPass = await tool('openssl', ['pkey', '-in', key, '-pubout', '-passin', 'env:PASS'], { env: { PASS: CA_PASSWORD } });
    const caPub = await tool('openssl', ['x509', '-in', join(pki, 'ca', 'ca.crt'), '-noout', '-pubkey']);
    expect(withPass.stdout).toBe(caPub.stdout);
    const params = await tool('openssl', ['asn1parse', '-in', key]);
    expect(params.stdout).toContain('PBES2');
    expect(params.stdout).toContain('aes-256-cbc');
    expect(params.stdout).toContain('hmacWithSHA256');
  });

  for (const [role, dir, alias] of [
    ['broker', broker, 'sam01.ynformed.nl'],
    ['client', client, 'prediction-service'],
  ] as const) {
    it(`builds a JKS keystore (PrivateKeyEntry, chain of 2) and truststore (trustedCertEntry) for the ${role}`, async () => {
      await expectStoreListing(join(dir, 'keystore.jks'), join(dir, 'store.password'), { type: 'JKS', alias, entry: 'PrivateKeyEntry', chainLength: 2, entries: 1 });
      await expectStoreListing(join(dir, 'truststore.jks'), join(dir, 'truststore.password'), { type: 'JKS', entry: 'trustedCertEntry', entries: 1 });
      // The key password (Kafka's ssl.key.password) is the store password too. Reading the
      // certificate needs only the store password; recovering the private key needs the key
      // password, so copy the entry out with -srckeypass given explicitly (else keytool
      // silently tries the store password) and check the wrong one is refused.
      const storePassword = readFileSync(join(dir, 'store.password'), 'utf8').trim();
      const exportKey = (keyPassword: string, dest: string) =>
        tool(
          'keytool',
          [
            '-importkeystore', '-noprompt',
            '-srckeystore', join(dir, 'keystore.jks'), '-srcstoretype', 'JKS', '-srcstorepass:env', 'STORE_PASS',
            '-srcalias', alias, '-srckeypass:env', 'KEY_PASS',
            '-destkeystore', dest, '-deststoretype', 'PKCS12', '-deststorepass:env', 'STORE_PASS',
          ],
          { env: { STORE_PASS: storePassword, KEY_PASS: keyPassword }, input: '', reject: false },
        );
      const scratch = tempDir();
      const wrong = await exportKey(`${storePassword}x`, join(scratch, 'wrong.p12'));
      expect(wrong.exitCode).not.toBe(0);
      expect(wrong.all).toContain('UnrecoverableKeyException');
      const right = await exportKey(storePassword, join(scratch, 'key.p12'));
      expect(right.exitCode, right.all).toBe(0);
      // …and the key recovered that way is the one in <role>.key.
      const recovered = await tool('openssl', ['pkcs12', '-in', join(scratch, 'key.p12'), '-nocerts', '-nodes', '-passin', 'env:STORE_PASS'], {
        env: { STORE_PASS: storePassword },
      });
      const fromP12 = await tool('openssl', ['pkey', '-pubout'], { input: recovered.stdout });
      const fromPem = await tool('openssl', ['pkey', '-in', join(dir, `${role}.key`), '-pubout']);
      expect(fromP12.stdout).toContain('BEGIN PUBLIC KEY');
      expect(fromP12.stdout).toBe(fromPem.stdout);
    });
  }

  it('writes the properties files Kafka and its clients read, pointing at the files it wrote', () => {
    const server = readFileSync(join(broker, 'server-ssl.properties'), 'utf8');
    const storePassword = readFileSync(join(broker, 'store.password'), 'utf8').trim();
    expect(server).toContain(`ssl.keystore.location=${join(broker, 'keystore.jks')}`);
    // --secrets file (the default): the snippet holds references, the 0600 secrets file the passwords
    const secretsFile = join(broker, 'broker-secrets.properties');
    expect(server).toContain('config.providers=file\nconfig.providers.file.class=org.apache.kafka.common.config.provider.FileConfigProvider\n');
    expect(server).toContain(`ssl.keystore.password=\${file:${secretsFile}:keystore.password}`);
    expect(server).toContain(`ssl.key.password=\${file:${secretsFile}:keystore.password}`);
    expect(server).not.toContain(storePassword);
    expect(readFileSync(secretsFile, 'utf8')).toContain(`\nkeystore.password=${storePassword}\n`);
    expect(server).toContain('ssl.client.auth=required');
    expect(server).toContain('ssl.keystore.type=JKS');
    const clientProps = readFileSync(join(client, 'client-ssl.properties'), 'utf8');
    expect(clientProps).toContain('security.protocol=SSL');
    expect(clientProps).toContain(`ssl.truststore.location=${join(client, 'truststore.jks')}`);
    const librdkafka = readFileSync(join(client, 'librdkafka.properties'), 'utf8');
    expect(librdkafka).toContain(`ssl.key.location=${join(client, 'client.key')}`);
    expect(librdkafka).toContain(`ssl.ca.location=${join(client, 'ca.crt')}`);
    expect(librdkafka).not.toContain(storePassword);
  });

  it('makes every private key, password file and properties file with a password 0600 (configs that only reference passwords are 0644)', () => {
    const secret = [
      'ca/ca.key', 'ca/truststore.password', 'samctl.json',
      ...['broker.key', 'keystore.jks', 'store.password', 'truststore.password', 'broker-secrets.properties'].map((f) => `brokers/sam01.ynformed.nl/${f}`),
      ...['client.key', 'keystore.jks', 'store.password', 'truststore.password', 'client-secrets.properties'].map((f) => `clients/prediction-service/${f}`),
    ];
    for (const file of secret) expect([file, statSync(join(pki, file)).mode & 0o777]).toEqual([file, 0o600]);
    for (const file of ['brokers/sam01.ynformed.nl/server-ssl.properties', 'clients/prediction-service/client-ssl.properties']) {
      expect([file, statSync(join(pki, file)).mode & 0o777]).toEqual([file, 0o644]);
    }
    for (const dir of ['', 'ca', 'brokers/sam01.ynformed.nl', 'clients/prediction-service']) {
      expect([dir, statSync(join(pki, dir)).mode & 0o777]).toEqual([dir, 0o700]);
    }
  });

  it('records every issued identity in samctl.json without any secret', () => {
    const text = readFileSync(join(pki, 'samctl.json'), 'utf8');
    const inventory = JSON.parse(text);
    expect(inventory.cas).toHaveLength(1);
    expect(inventory.identities.map((i: { kind: string; name: string }) => `${i.kind}/${i.name}`)).toEqual(['broker/sam01.ynformed.nl', 'client/prediction-service']);
    expect(inventory.identities[0].sans).toEqual(['DNS:sam01.ynformed.nl', 'DNS:sam01', 'IP:10.0.0.11']);
    for (const secret of [CA_PASSWORD, readFileSync(join(broker, 'store.password'), 'utf8').trim(), readFileSync(join(pki, 'ca', 'truststore.password'), 'utf8').trim()]) {
      expect(text).not.toContain(secret);
    }
  });
});
