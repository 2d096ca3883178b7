import { describe, expect, it } from 'vitest';
import { SamctlError } from '../../src/errors.js';
import { addScramArgument, newScramCredential, parseSaslMechanism, scramCredential } from '../../src/pki/scram.js';

describe('scramCredential: SCRAM-SHA-512 as Kafka derives it', () => {
  it('gives the salted password, stored key and server key Kafka 4.4\'s ScramFormatter gives (pencil, 32 bytes of 7, 4096)', () => {
    // Computed once with Kafka's own class (test/fixtures/ScramVector.java on kafka-clients-4.4.0.jar);
    // test/scram-kafka-formatter.test.ts compares fresh salts against it on every run with Java.
    const credential = scramCredential('pencil', Buffer.alloc(32, 7), 4096);
    expect([credential.saltedPassword, credential.storedKey, credential.serverKey].map((bytes) => bytes.toString('base64'))).toEqual([
      'HcxAeEN+OIQ4s94QTNriFwzCbq9PZb2eMjtkBXWK/C6A4T7QRPkNXNcIbPAngGO81KZgopGoKVvapMGizxXLww==',
      'c+juVRyJX3eDXhFOP0uRq8sRwGseEq+rKzXYeNbEBdtT6oo6vlWeU+KvdQfEv+B/uBjb6V34RB+mz4kqPtqHzQ==',
      'VhRhUc7ApTT2pQjOYmJ0mE1OwIriNUDMMD0rGkAZMtXhfM/quk1QWijq71La6fz7UhhGiN7kcESIiesgcLkzvQ==',
    ]);
  });

  it('is the salt and iterations: another salt gives another credential, the same inputs the same one', () => {
    const a = newScramCredential('pencil');
    const b = newScramCredential('pencil');
    expect(a.salt.equals(b.salt)).toBe(false);
    expect(a.saltedPassword.equals(b.saltedPassword)).toBe(false);
    expect(scramCredential('pencil', a.salt).storedKey.equals(a.storedKey)).toBe(true);
    expect(a.saltedPassword).toHaveLength(64);
    expect(a.iterations).toBe(4096);
  });

  it('writes the salted --add-scram form: base64 salt and salted password, no password', () => {
    const credential = scramCredential('pencil', Buffer.alloc(32, 7));
    const arg = addScramArgument('alice', 'scram-sha-512', credential);
    expect(arg).toBe(`SCRAM-SHA-512=[name=alice,salt="${Buffer.alloc(32, 7).toString('base64')}",saltedpassword="${credential.saltedPassword.toString('base64')}",iterations=4096]`);
    expect(arg).not.toContain('pencil');
  });

  it('refuses an unknown mechanism with a usage error', () => {
    expect(parseSaslMechanism('SCRAM-SHA-512')).toBe('scram-sha-512');
    let caught: unknown;
    try {
      parseSaslMechanism('plain');
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(SamctlError);
    expect((caught as SamctlError).exitCode).toBe(2);
  });
});
