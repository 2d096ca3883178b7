/**
 * What Java's keytool reads from a store samctl wrote: `keytool -list -v` with the password
 * taken from samctl's password file (-storepass:file, never on the command line), and the
 * lines a Kafka broker or client depends on asserted one by one.
 */
import { expect } from 'vitest';
import { tool } from './samctl.js';

export interface StoreListing {
  /** "Keystore type: …" */
  type?: 'JKS' | 'PKCS12';
  /** "Alias name: …" */
  alias?: string;
  /** "Entry type: …" */
  entry: 'PrivateKeyEntry' | 'trustedCertEntry';
  /** "Certificate chain length: …" */
  chainLength?: number;
  /** "Your keystore contains N entry" */
  entries?: 1;
}

/** Lists `store` and asserts each line `expected` names; returns keytool's output. */
export async function expectStoreListing(store: string, passwordFile: string, expected: StoreListing): Promise<string> {
  const { stdout } = await tool('keytool', ['-list', '-v', '-keystore', store, '-storepass:file', passwordFile]);
  const lines = [
    expected.type && `Keystore type: ${expected.type}`,
    expected.alias && `Alias name: ${expected.alias}`,
    `Entry type: ${expected.entry}`,
    expected.chainLength && `Certificate chain length: ${expected.chainLength}`,
    expected.entries && `Your keystore contains ${expected.entries} entry`,
  ];
  for (const line of lines) if (line) expect(stdout).toContain(line);
  return stdout;
}
