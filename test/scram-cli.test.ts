import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { samctl, samctlOk, tempDir } from './helpers/samctl.js';

/**
 * SASL settings survive what re-renders configs: the inventory records them, renew and
 * configure write the SASL_SSL listener and the SCRAM user's files again (the registered
 * password kept), and no command prints the password. Kafka itself judges the files in
 * test/kafka/scram-kafka.test.ts.
 */
describe('SCRAM-SHA-512 identities through renew and configure', () => {
  const cwd = tempDir('samctl-scram-cli-');
  const pki = join(cwd, 'pki');
  const broker = (file: string) => join(pki, 'brokers', 'sam01.local', file);
  const alice = (file: string) => join(pki, 'clients', 'alice', file);
  const mode = (path: string) => statSync(path).mode & 0o777;
  let password = '';

  beforeAll(async () => {
    await samctlOk(['ca', 'init', '--key-size', '2048'], { cwd });
    await samctlOk(['broker', 'issue', 'sam01.local', '--sasl', 'scram-sha-512', '--sasl-port', '9094'], { cwd });
    const issued = await samctlOk(['client', 'issue', 'alice', '--sasl', 'scram-sha-512', '--json'], { cwd });
    password = readFileSync(alice('client-scram.password'), 'utf8').trim();
    expect(issued.stdout).not.toContain(password);
    // The principal on the SASL_SSL listener (what samctl acl and revoke name): the SCRAM user, not the DN.
    expect(JSON.parse(issued.stdout).issued[0].principal).toBe('User:alice');
  });

  it('records the SASL settings in the inventory and writes the SCRAM files with their modes', () => {
    const inventory = JSON.parse(readFileSync(join(pki, 'samctl.json'), 'utf8'));
    const byName = (name: string) => inventory.identities.find((entry: { name: string }) => entry.name === name);
    expect(inventory.version).toBe(2);
    expect(byName('sam01.local').sasl).toEqual({ mechanism: 'scram-sha-512', port: 9094 });
    expect(byName('alice').sasl).toEqual({ mechanism: 'scram-sha-512' });
    expect(password).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(mode(alice('client-scram.password'))).toBe(0o600);
    expect(mode(alice('librdkafka-sasl.properties'))).toBe(0o600);
    // --secrets file (the default): the JAAS line sits in the secrets file, the config only references it.
    expect(mode(alice('client-sasl.properties'))).toBe(0o644);
    expect(readFileSync(alice('client-sasl.properties'), 'utf8')).not.toContain(password);
    expect(readFileSync(alice('client-secrets.properties'), 'utf8')).toContain(`password="${password}"`);
    expect(readFileSync(alice('librdkafka-sasl.properties'), 'utf8')).toContain(`sasl.password=${password}\n`);
  });

  it('renew keeps the SASL_SSL listener and the registered SCRAM password', async () => {
    const renewed = await samctlOk(['renew', 'sam01.local', 'alice'], { cwd });
    expect(renewed.stdout).toContain('SCRAM passwords kept (alice): the registered users keep working. To renew a password: samctl scram <name> --rotate');
    const snippet = readFileSync(broker('server-ssl.properties'), 'utf8');
    expect(snippet).toMatch(/^listeners=SSL:\/\/:9092,SASL_SSL:\/\/:9094$/m);
    expect(snippet).toMatch(/^sasl\.enabled\.mechanisms=SCRAM-SHA-512$/m);
    expect(readFileSync(alice('client-scram.password'), 'utf8').trim()).toBe(password);
    expect(readFileSync(alice('librdkafka-sasl.properties'), 'utf8')).toContain(`sasl.password=${password}\n`);
  });

  it('configure --secrets inline puts the JAAS line in client-sasl.properties, which becomes 0600', async () => {
    await samctlOk(['configure', 'alice', 'sam01.local', '--secrets', 'inline'], { cwd });
    const config = readFileSync(alice('client-sasl.properties'), 'utf8');
    expect(config).toContain(`sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="alice" password="${password}";\n`);
    expect(mode(alice('client-sasl.properties'))).toBe(0o600);
    expect(readFileSync(broker('server-ssl.properties'), 'utf8')).toContain('listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;\n');
  });

  it('scram --format-arg prints the salted form with a fresh salt each time, never the password', async () => {
    const first = (await samctlOk(['scram', 'alice', '--format-arg'], { cwd })).stdout.trim();
    const second = (await samctlOk(['scram', 'alice', '--format-arg'], { cwd })).stdout.trim();
    expect(first).toMatch(/^SCRAM-SHA-512=\[name=alice,salt="[A-Za-z0-9+/]{43}=",saltedpassword="[A-Za-z0-9+/]{86}==",iterations=4096\]$/);
    expect(first).not.toBe(second);
    expect(first + second).not.toContain(password);
    const json = await samctl(['scram', 'alice', '--format-arg', '--json'], { cwd });
    expect(JSON.parse(json.stdout)).toMatchObject({ command: 'scram', user: 'alice', mechanism: 'scram-sha-512' });
  });

  it('scram --rotate writes a new password into every file that carries it, never printing it, and prints the registration step', async () => {
    const rotated = await samctlOk(['scram', 'alice', '--rotate'], { cwd });
    const fresh = readFileSync(alice('client-scram.password'), 'utf8').trim();
    expect(fresh).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(fresh).not.toBe(password);
    expect(rotated.stdout + rotated.stderr).not.toContain(fresh);
    expect(rotated.stdout).toContain('samctl scram alice --register --bootstrap <host:port> --client <admin client>');
    expect(mode(alice('client-scram.password'))).toBe(0o600);
    // configure --secrets inline (above): the JAAS line with the password is in client-sasl.properties.
    expect(readFileSync(alice('client-sasl.properties'), 'utf8')).toContain(`password="${fresh}";\n`);
    expect(readFileSync(alice('librdkafka-sasl.properties'), 'utf8')).toContain(`sasl.password=${fresh}\n`);
    expect(readFileSync(alice('librdkafka-sasl.properties'), 'utf8')).not.toContain(password);
    expect(mode(alice('librdkafka-sasl.properties'))).toBe(0o600);
    // --rotate --format-arg: a new password again, its salted form printed for kafka-storage format.
    const formatted = await samctlOk(['scram', 'alice', '--rotate', '--format-arg'], { cwd });
    const third = readFileSync(alice('client-scram.password'), 'utf8').trim();
    expect(third).not.toBe(fresh);
    expect(formatted.stdout.trim()).toMatch(/^SCRAM-SHA-512=\[name=alice,salt="[A-Za-z0-9+/]{43}=",saltedpassword="[A-Za-z0-9+/]{86}==",iterations=4096\]$/);
    expect(formatted.stdout).not.toContain(third);
  });

  it('revoke of a SCRAM client DENYs User:<user> (not its DN) and says the credential stays without --apply', async () => {
    await samctlOk(['client', 'issue', 'carl', '--sasl', 'scram-sha-512'], { cwd });
    const revoked = await samctlOk(['revoke', 'carl'], { cwd });
    expect(revoked.stdout).toMatch(/^# DENY for User:carl:$/m);
    expect(revoked.stdout).toContain('--deny-principal User:carl --operation All --topic');
    expect(revoked.stdout).toMatch(/^  SCRAM user carl keeps its credential on the cluster \(the DENY shuts it out\): revoke with --apply --bootstrap <host:port> to delete it too$/m);
  });
});
