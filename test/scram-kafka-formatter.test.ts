import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { newScramCredential, scramCredential } from '../src/pki/scram.js';
import { LIB_DIR, requireE2E } from './kafka/harness.js';

/** samctl's SCRAM-SHA-512 derivation against Kafka's own ScramFormatter, with fresh salts, in Java. */
const e2e = requireE2E();
const CLIENTS_JAR = join(LIB_DIR, 'kafka-clients-4.4.0.jar');
const VECTOR_SOURCE = new URL('./fixtures/ScramVector.java', import.meta.url).pathname;

function kafkaDerivation(password: string, salt: Buffer, iterations: number): string[] {
  const out = execFileSync('java', ['-cp', CLIENTS_JAR, VECTOR_SOURCE], { input: `${password}\n${salt.toString('base64')}\n${iterations}\n`, encoding: 'utf8' });
  return out.trim().split('\n');
}

describe.skipIf(!e2e)('scramCredential against Kafka 4.4 ScramFormatter', () => {
  it('gives the same salted password, stored key and server key for fresh salts (ASCII and non-ASCII passwords)', () => {
    for (const [password, iterations] of [['pencil', 4096], ['p\u00e4ss w\u00f6rd=,]"', 8192]] as const) {
      const credential = newScramCredential(password);
      const mine = scramCredential(password, credential.salt, iterations);
      expect([mine.saltedPassword, mine.storedKey, mine.serverKey].map((bytes) => bytes.toString('base64'))).toEqual(kafkaDerivation(password, credential.salt, iterations));
    }
  }, 60_000);
});
