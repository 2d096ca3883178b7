import { describe, expect, it } from 'vitest';
import { roleName } from '../../src/authority/openbao.js';
import { parseEngineAddress } from '../../src/engine/connection.js';
import { parseMount, roleSettings } from '../../src/engine/pki.js';
import { SamctlError } from '../../src/errors.js';
import { parseInventory } from '../../src/store/inventory.js';

function refusal(run: () => unknown): { message: string; exitCode: number } {
  try {
    run();
  } catch (err) {
    if (err instanceof SamctlError) return { message: err.message, exitCode: err.exitCode };
    throw err;
  }
  throw new Error('expected a SamctlError');
}

describe('engine addresses and mounts', () => {
  it('keeps scheme, host and port; drops a trailing slash', () => {
    expect(parseEngineAddress('http://127.0.0.1:8200/')).toBe('http://127.0.0.1:8200');
    expect(parseEngineAddress(' https://bao.example:8200 ')).toBe('https://bao.example:8200');
  });
  it('refuses paths, credentials, other schemes and nothing at all, with exit 2', () => {
    for (const bad of ['', 'bao.example:8200x', 'ftp://bao.example', 'http://u:p@bao.example', 'http://bao.example/v1', 'http://bao.example/?x=1']) {
      expect(refusal(() => parseEngineAddress(bad)).exitCode).toBe(2);
    }
  });
  it('takes mount paths as segments and refuses sys, .. and empty ones', () => {
    expect(parseMount('/kafka-pki/', '--pki-mount')).toBe('kafka-pki');
    expect(parseMount('team/kafka_pki.1', '--pki-mount')).toBe('team/kafka_pki.1');
    for (const bad of ['', 'sys', 'a/../b', 'a//b', 'a b', 'pki?x']) expect(refusal(() => parseMount(bad, '--pki-mount'))).toEqual({ message: expect.stringContaining('invalid --pki-mount'), exitCode: 2 });
  });
});

describe('engine roles', () => {
  it('names the CA-organisation roles plainly and other subject shapes by a hash of O and OU', () => {
    expect(roleName('broker', { o: 'Ynformed' }, 'Ynformed')).toBe('samctl-broker');
    expect(roleName('client', {}, undefined)).toBe('samctl-client');
    expect(roleName('client', { o: 'Ynformed', ou: 'Data Team' }, 'Ynformed')).toBe('samctl-client-ca4eda61f176');
    expect(roleName('client', { o: 'Ynformed', ou: 'Data Team' }, 'Ynformed')).not.toBe(roleName('client', { o: 'Ynformed', ou: 'Data' }, 'Ynformed'));
  });
  it('a client role never sets serverAuth; SANs only DNS and IP; TTL capped; O/OU from the subject asked', () => {
    const client = roleSettings({ kind: 'client', o: 'Ynformed', ou: 'Data Team', maxDays: 825 });
    expect(client).toMatchObject({ server_flag: false, client_flag: true, code_signing_flag: false, email_protection_flag: false, ext_key_usage: [], allowed_uri_sans: [], allowed_other_sans: [], allow_ip_sans: true, allow_wildcard_certificates: false, organization: ['Ynformed'], ou: ['Data Team'], max_ttl: '19800h', not_before_duration: '60s', key_usage: ['DigitalSignature', 'KeyEncipherment'] });
    expect(roleSettings({ kind: 'broker', maxDays: 30 })).toMatchObject({ server_flag: true, client_flag: true, organization: [], ou: [], max_ttl: '720h' });
  });
});

describe('inventory settings for the engine backend', () => {
  const base = { version: 2, cas: [], identities: [] };
  it('reads backend openbao with its engine, and keeps the default directory backend as it was', () => {
    const engine = { address: 'http://127.0.0.1:8200', pkiMount: 'kafka-pki' };
    expect(parseInventory(JSON.stringify({ ...base, settings: { backend: 'openbao', engine } }), 'x.json').settings).toEqual({ backend: 'openbao', engine });
    expect(parseInventory(JSON.stringify({ ...base, settings: { backend: 'directory' } }), 'x.json').settings).toEqual({ backend: 'directory' });
    expect(parseInventory(JSON.stringify(base), 'x.json').settings).toEqual({ backend: 'directory' });
  });
  it('refuses an unknown backend and an openbao backend without its engine', () => {
    expect(refusal(() => parseInventory(JSON.stringify({ ...base, settings: { backend: 'vaultish' } }), 'x.json')).message).toContain('"settings.backend" is "vaultish"');
    expect(refusal(() => parseInventory(JSON.stringify({ ...base, settings: { backend: 'openbao' } }), 'x.json')).message).toContain('"settings.engine" must name');
  });
});
