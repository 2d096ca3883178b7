import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SamctlError } from '../../src/errors.js';
import { addScramArgument, newScramCredential, parseSaslMechanism, scramCredential } from '../../src/pki/scram.js';

const CLIENTS_JAR = join(import.meta.dirname, '..', 'kafka', 'target', 'lib', 'kafka-clients-4.4.0.jar');
const VECTOR_SOURCE = join(import.meta.dirname, 'fixtures', 'ScramVector.java');

/** Kafka's ScramFormatter, run by java on the same password and salt. */
function kafkaDerivation(password: string, salt: Buffer, iterations: number): string[] {
  const out = execFileSync('java', ['-cp', CLIENTS_JAR, VECTOR_SOURCE], { input: `${password}\n${salt.toString('base64')}\n${iterations}\n`, encoding: 'utf8' });
  return out.trim().split('\n');
}

describe('scramCredential: SCRAM-SHA-512 as Kafka derives it', () => {
  it.skipIf(!existsSync(CLIENTS_JAR))('matches Kafka 4.4 ScramFormatter (salted password, stored key, server key)', () => {
    for (const [password, iterations] of [['pencil', 4096], ['p\u00e4ss w\u00f6rd=,]"', 8192]] as const) {
      const credential = newScramCredential(password);
      const mine = scramCredential(password, credential.salt, iterations);
      expect([mine.saltedPassword, mine.storedKey, mine.serverKey].map((bytes) => bytes.toString('base64'))).toEqual(kafkaDerivation(password, credential.salt, iterations));
    }
  }, 30_000);

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
