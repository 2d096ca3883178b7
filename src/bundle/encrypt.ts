import { readOptionFile } from './input-file.js';
import { usageError } from '../errors.js';

/**
 * age encryption (age-encryption.org/v1) through `age-encryption`, the TypeScript
 * implementation by age's author; Debian's `age` 1.1 CLI decrypts what it writes. Either
 * X25519 recipients (`age1…` from `age-keygen`) or one passphrase (scrypt): the format does
 * not mix the two in one file.
 */
export type Encryption = { kind: 'recipients'; recipients: string[] } | { kind: 'passphrase'; passphrase: string };

/** `age-encryption` is loaded only when a bundle is encrypted. */
async function loadAge() {
  return import('age-encryption');
}

/** Checks that every recipient is a public key age can encrypt to; exit 2 naming the bad one. */
export async function checkRecipients(recipients: Array<{ value: string; from: string }>): Promise<string[]> {
  const { Encrypter } = await loadAge();
  for (const { value, from } of recipients) {
    try {
      new Encrypter().addRecipient(value);
    } catch (err) {
      throw usageError(
        `${from} "${value.slice(0, 24)}${value.length > 24 ? '…' : ''}" is not an age recipient (${firstLine(err)})`,
        'give the public key that `age-keygen -y key.txt` prints on the host: age1… (SSH keys are not supported)',
      );
    }
  }
  return recipients.map((recipient) => recipient.value);
}

/**
 * A recipients file as `age -R` reads it: one recipient a line, `#` comments and blank
 * lines ignored. Returns each with where it came from, for error messages.
 */
export async function readRecipientsFile(path: string): Promise<Array<{ value: string; from: string }>> {
  const text = (await readOptionFile(path, '--recipients-file', 'give a file with one age1… public key a line')).toString('utf8');
  const recipients = text
    .split(/\r?\n/)
    .map((line, index) => ({ value: line.trim(), from: `${path}:${index + 1}` }))
    .filter((line) => line.value !== '' && !line.value.startsWith('#'));
  if (recipients.length === 0) throw usageError(`--recipients-file ${path} holds no recipient`, 'write one age1… public key a line (age-keygen -y key.txt prints it)');
  return recipients;
}

/** The bundle, age-encrypted. A passphrase costs ~1 s and ~360 MB (scrypt, work factor 2^18, age's default). */
export async function encryptBundle(plain: Buffer, encryption: Encryption): Promise<Buffer> {
  const { Encrypter } = await loadAge();
  const encrypter = new Encrypter();
  if (encryption.kind === 'passphrase') encrypter.setPassphrase(encryption.passphrase);
  else for (const recipient of encryption.recipients) encrypter.addRecipient(recipient);
  return Buffer.from(await encrypter.encrypt(new Uint8Array(plain)));
}

function firstLine(err: unknown): string {
  return String((err as Error)?.message ?? err).split('\n')[0].slice(0, 100);
}
