import { X509Certificate } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import forge from 'node-forge';
import { SamctlError, ExitCode } from '../errors.js';
import { runKeytool } from '../keystore/keytool.js';
import '../pki/native-pbkdf2.js';
import '../pki/native-pkcs12-kdf.js';
import { error, notice, type Finding } from './finding.js';
import { isPbes2, keyMatchesCertificate, openPemKey, parseCertificates, pemBlocks } from './pem-store.js';

/** One resolved setting: the key to name in a finding, a label for messages (key plus where the value came from). */
export interface StoreSetting {
  key: string;
  label: string;
  value?: string;
}

export interface KeystoreSettings {
  type: StoreSetting;
  location: StoreSetting;
  password: StoreSetting;
  keyPassword: StoreSetting;
  key: StoreSetting;
  chain: StoreSetting;
}

export interface TruststoreSettings {
  type: StoreSetting;
  location: StoreSetting;
  password: StoreSetting;
  certificates: StoreSetting;
}

export interface KeyEntry {
  alias: string;
  /** Leaf first, as the broker presents it. */
  chain: X509Certificate[];
}

export interface OpenedKeystore {
  /** Where it lives, for output: a path or "inline". undefined when no keystore is configured. */
  source?: string;
  entries: KeyEntry[];
  findings: Finding[];
}

export interface OpenedTruststore {
  source?: string;
  cas: X509Certificate[];
  findings: Finding[];
}

const STORE_PASSWORD_VAR = 'SAMCTL_CHECK_STORE_PASSWORD';
const KEY_PASSWORD_VAR = 'SAMCTL_CHECK_KEY_PASSWORD';
const TYPE_FIX = 'set it to the file\'s format: JKS, PKCS12 or PEM';

/**
 * The keystore one listener uses, opened as Kafka's DefaultSslEngineFactory.createKeystore would:
 * inline PEM, a PEM file, or a JKS/PKCS12 file through keytool with the configured passwords.
 */
export async function openKeystore(settings: KeystoreSettings): Promise<OpenedKeystore> {
  const { type, location, password, keyPassword, key, chain } = settings;
  const storeType = type.value ?? 'JKS';
  const findings: Finding[] = [];
  if (key.value !== undefined) {
    if (storeType !== 'PEM') findings.push(error(key.key, `${key.label} is set, but ${type.key} is ${storeType}: Kafka accepts an inline key only with PEM`, `set ${type.key}=PEM`));
    if (chain.value === undefined) findings.push(error(chain.key, `${key.label} is set without ${chain.key}: Kafka refuses the keystore`, `set ${chain.key} to the certificate chain, leaf first`));
    if (location.value !== undefined) findings.push(error(location.key, `${location.key} and ${key.key} are both set: Kafka refuses the keystore`, `remove one of them`));
    if (password.value !== undefined) findings.push(error(password.key, `${password.key} is set with a PEM keystore: Kafka refuses it (only ${keyPassword.key} may be set)`, `remove ${password.key}`));
    if (findings.length > 0) return { source: 'inline', entries: [], findings };
    return { source: 'inline', ...readPemKeystore(key.value, chain.value!, settings, 'inline') };
  }
  if (chain.value !== undefined) return { entries: [], findings: [error(key.key, `${chain.label} is set without ${key.key}: Kafka refuses the keystore`, `set ${key.key} too, or remove ${chain.key}`)] };
  if (location.value === undefined) {
    if (password.value !== undefined && storeType !== 'PEM') findings.push(error(location.key, `${password.key} is set but ${location.key} is not: Kafka refuses the keystore`, `set ${location.key}`));
    return { entries: [], findings };
  }
  const path = resolve(location.value);
  const missing = await fileProblem(path, location);
  if (missing) return { source: path, entries: [], findings: [missing] };
  if (storeType === 'PEM') {
    if (password.value !== undefined) findings.push(error(password.key, `${password.key} is set with a PEM keystore: Kafka refuses it (only ${keyPassword.key} may be set)`, `remove ${password.key}`));
    const text = await readFile(path, 'latin1');
    const opened = readPemKeystore(text, text, settings, path);
    return { source: path, entries: opened.entries, findings: [...findings, ...opened.findings] };
  }
  if (password.value === undefined) return { source: path, entries: [], findings: [error(password.key, `${location.key} is set but ${password.key} is not: Kafka refuses the keystore`, `set ${password.key} (or a \${file:…} reference to it)`)] };
  return { source: path, ...(await readJavaKeystore(path, settings)) };
}

/** The truststore one listener uses: inline PEM certificates, a PEM file, or JKS/PKCS12 through keytool. */
export async function openTruststore(settings: TruststoreSettings): Promise<OpenedTruststore> {
  const { type, location, password, certificates } = settings;
  const storeType = type.value ?? 'JKS';
  const findings: Finding[] = [];
  const pemPassword = () => {
    if (password.value !== undefined) findings.push(error(password.key, `${password.key} is set with a PEM truststore: Kafka refuses it`, `remove ${password.key}`));
  };
  if (certificates.value !== undefined) {
    if (storeType !== 'PEM') findings.push(error(certificates.key, `${certificates.label} is set, but ${type.key} is ${storeType}: Kafka accepts inline certificates only with PEM`, `set ${type.key}=PEM`));
    if (location.value !== undefined) findings.push(error(location.key, `${location.key} and ${certificates.key} are both set: Kafka refuses the truststore`, 'remove one of them'));
    pemPassword();
    return { source: 'inline', ...readPemTruststore(certificates.value, certificates, findings) };
  }
  if (location.value === undefined) {
    if (password.value !== undefined) findings.push(error(location.key, `${password.key} is set but ${location.key} is not: Kafka refuses the truststore`, `set ${location.key}`));
    return { cas: [], findings };
  }
  const path = resolve(location.value);
  const missing = await fileProblem(path, location);
  if (missing) return { source: path, cas: [], findings: [missing] };
  if (storeType === 'PEM') {
    pemPassword();
    return { source: path, ...readPemTruststore(await readFile(path, 'latin1'), location, findings) };
  }
  const listed = await listJavaStore(path, storeType, password.value, { type, location, password });
  if ('finding' in listed) return { source: path, cas: [], findings: [listed.finding] };
  if (password.value === undefined) {
    findings.push(notice(password.key, `${password.key} is not set: Kafka reads ${path} without checking its integrity`, `set ${password.key}`));
  }
  // Java's trust managers trust every trustedCertEntry, and the leaf of any key entry (KeyStores.getTrustedCerts).
  const cas = listed.entries.flatMap((entry) => (entry.type === 'trustedCertEntry' ? entry.certs : entry.certs.slice(0, 1)));
  if (cas.length === 0) {
    findings.push(error(location.key, `${path} holds no trusted certificate${password.value === undefined ? ' readable without a password' : ''}: the broker can verify no peer`, `import the CA: keytool -importcert -alias ca -file ca.crt -keystore ${path}`));
  }
  return { source: path, cas, findings };
}

async function fileProblem(path: string, location: StoreSetting): Promise<Finding | undefined> {
  try {
    const stats = await stat(path);
    if (!stats.isFile()) return error(location.key, `${location.label}: ${path} is not a file`, `point ${location.key} at the store file`);
    return undefined;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const reason = code === 'ENOENT' ? 'does not exist' : code === 'EACCES' ? 'cannot be read (permission denied)' : `cannot be read (${code})`;
    return error(location.key, `${location.label}: ${path} ${reason}`, code === 'ENOENT' ? `fix the path, or copy the store there (samctl broker issue writes one per broker)` : `let the broker's user read ${path}`);
  }
}

function readPemKeystore(keyText: string, chainText: string, settings: KeystoreSettings, source: string): Omit<OpenedKeystore, 'source'> {
  const { location, keyPassword, key, chain: chainSetting } = settings;
  const keyKey = source === 'inline' ? key : location;
  const chainKey = source === 'inline' ? chainSetting : location;
  const chain = parseCertificates(chainText);
  if (!chain || chain.length === 0) {
    return { entries: [], findings: [error(chainKey.key, `${chainKey.label}: ${source} holds no readable CERTIFICATE block`, 'put the certificate chain in it, leaf first, as PEM')] };
  }
  const blocks = pemBlocks('PRIVATE KEY', keyText);
  if (blocks.length !== 1) {
    return { entries: [], findings: [error(keyKey.key, `${keyKey.label}: ${source} holds ${blocks.length} PRIVATE KEY blocks; Kafka needs exactly one`, 'keep the one key that belongs to the leaf certificate')] };
  }
  const opened = openPemKey(blocks[0], keyPassword.value);
  const findings: Finding[] = [];
  if ('problem' in opened) {
    const messages = {
      'encrypted-without-password': [keyPassword.key, `the key in ${source} is encrypted but ${keyPassword.key} is not set`, `set ${keyPassword.key}`],
      'not-encrypted': [keyPassword.key, `${keyPassword.label} is set but the key in ${source} is not encrypted: Kafka fails to read it`, `remove ${keyPassword.key}, or encrypt the key (openssl pkcs8 -topk8)`],
      'wrong-password': [keyPassword.key, `${keyPassword.label} does not decrypt the key in ${source}`, `set ${keyPassword.key} to the key's password`],
      'not-pkcs8': [keyKey.key, `the key in ${source} is ${opened.format === 'pkcs1' ? 'PKCS#1 (BEGIN RSA PRIVATE KEY)' : 'SEC1 (BEGIN EC PRIVATE KEY)'}: Kafka reads only PKCS#8`, 'convert it: openssl pkcs8 -topk8 -nocrypt -in key.pem (or samctl broker issue --store-type pem)'],
      unreadable: [keyKey.key, `the PRIVATE KEY block in ${source} is not a readable key`, 'replace it with the PKCS#8 key of the leaf certificate'],
    } as const;
    const [findingKey, message, fix] = messages[opened.problem];
    return { entries: [], findings: [error(findingKey, message, fix)] };
  }
  if (!keyMatchesCertificate(opened.key, chain[0])) {
    findings.push(error(keyKey.key, `the key in ${source} does not belong to its first certificate (${chain[0].subject.replace(/\n/g, ', ')})`, 'put the leaf certificate of this key first in the chain'));
  }
  if (keyPassword.value !== undefined && isPbes2(blocks[0])) {
    findings.push(notice(keyPassword.key, `the key in ${source} is PBES2-encrypted: Kafka's PEM loader on JDK 17 cannot read it ("PBES2 SecretKeyFactory not available")`, 'run the broker on a newer JDK, or use an unencrypted PKCS#8 key in a 0600 file'));
  }
  return { entries: [{ alias: 'kafka', chain }], findings };
}

function readPemTruststore(text: string, setting: StoreSetting, findings: Finding[]): Omit<OpenedTruststore, 'source'> {
  const cas = parseCertificates(text);
  if (!cas || cas.length === 0) {
    findings.push(error(setting.key, `${setting.label} holds no readable CERTIFICATE block: Kafka refuses the truststore`, 'put the CA certificate(s) in it as PEM'));
    return { cas: [], findings };
  }
  return { cas, findings };
}

interface JavaEntry {
  alias: string;
  type: string;
  certs: X509Certificate[];
}

/** `keytool -list -rfc`: every entry with its certificates, or a finding saying why it does not open. */
async function listJavaStore(path: string, type: string, password: string | undefined, keys: Pick<KeystoreSettings, 'type' | 'location' | 'password'>): Promise<{ entries: JavaEntry[] } | { finding: Finding }> {
  const args = ['-list', '-rfc', '-keystore', path, '-storetype', type];
  try {
    const output = password === undefined ? await runKeytool(args) : await runKeytool([...args, '-storepass:env', STORE_PASSWORD_VAR], { [STORE_PASSWORD_VAR]: password });
    return { entries: parseKeytoolList(output) };
  } catch (err) {
    const reason = keytoolReason(err);
    if (/password was incorrect|integrity check/i.test(reason)) {
      return { finding: error(keys.password.key, `${keys.password.label} does not open ${path} (keytool: ${reason})`, `set ${keys.password.key} to the store's password`) };
    }
    return { finding: error(keys.type.key, `keytool cannot open ${path} as ${type} (${reason})`, `${TYPE_FIX}, or restore the file`) };
  }
}

export function parseKeytoolList(output: string): JavaEntry[] {
  return output
    .split(/^Alias name: /m)
    .slice(1)
    .map((section) => ({
      alias: section.slice(0, section.indexOf('\n')).trim(),
      type: /^Entry type: (\S+)/m.exec(section)?.[1] ?? 'unknown',
      certs: parseCertificates(section) ?? [],
    }));
}

async function readJavaKeystore(path: string, settings: KeystoreSettings): Promise<Omit<OpenedKeystore, 'source'>> {
  const { type, location, password, keyPassword } = settings;
  const storeType = type.value ?? 'JKS';
  const listed = await listJavaStore(path, storeType, password.value, settings);
  if ('finding' in listed) return { entries: [], findings: [listed.finding] };
  const entries = listed.entries.filter((entry) => entry.type === 'PrivateKeyEntry').map((entry) => ({ alias: entry.alias, chain: entry.certs }));
  if (entries.length === 0) {
    return { entries, findings: [error(location.key, `${path} holds no private key entry: the listener has no certificate to present`, 'point it at the broker\'s keystore (samctl broker issue writes one)')] };
  }
  // Kafka opens the key with ssl.key.password, or the store password when that is unset (FileBasedStore.keyPassword).
  const keyLabel = keyPassword.value !== undefined ? keyPassword.label : `${keyPassword.key} is not set, so Kafka uses ${password.label}, which`;
  const secret = keyPassword.value ?? password.value!;
  const findings: Finding[] = [];
  const pkcs12 = /^pkcs12$/i.test(storeType);
  for (const entry of entries) {
    const opens = pkcs12 ? pkcs12KeyOpens(await readFile(path), password.value!, secret) : await javaKeyOpens(path, storeType, entry.alias, password.value!, secret);
    if (opens === false && pkcs12 && keyPassword.value !== undefined) {
      findings.push(error(keyPassword.key, `${keyLabel} does not open the key "${entry.alias}" in ${path}: ${password.key} does (keytool, openssl and samctl protect PKCS12 keys with the store password)`, `remove ${keyPassword.key}, or set it to the value of ${password.key}`));
    } else if (opens === false) {
      findings.push(error(keyPassword.key, `${keyLabel} does not open the key "${entry.alias}" in ${path}`, `set ${keyPassword.key} to the key's password (samctl writes stores whose key password is the store password)`));
    } else if (opens === undefined) {
      findings.push(notice(keyPassword.key, `samctl could not check that ${keyPassword.key} opens the key "${entry.alias}" in ${path}`, 'check by hand: keytool -importkeystore with -srckeypass to a scratch PKCS12'));
    }
  }
  return { entries, findings };
}

/**
 * JKS (and JCEKS) keys have a password of their own. `keytool -certreq` has to decrypt the key
 * to sign the request, so it proves the password opens it, and writes no key material anywhere.
 */
async function javaKeyOpens(path: string, type: string, alias: string, storePassword: string, keyPassword: string): Promise<boolean | undefined> {
  try {
    await runKeytool(
      ['-certreq', '-alias', alias, '-keystore', path, '-storetype', type, '-storepass:env', STORE_PASSWORD_VAR, '-keypass:env', KEY_PASSWORD_VAR],
      { [STORE_PASSWORD_VAR]: storePassword, [KEY_PASSWORD_VAR]: keyPassword },
    );
    return true;
  } catch (err) {
    return /Cannot recover key|UnrecoverableKey|final block not properly padded|Get Key failed/i.test(keytoolReason(err)) ? false : undefined;
  }
}

/**
 * keytool ignores a separate key password for PKCS12 ("Different store and key passwords not
 * supported"), but Java's KeyManagerFactory still decrypts the key with ssl.key.password. So the
 * key bag is decrypted here, with node-forge: when the store password opens it, a different
 * ssl.key.password cannot. undefined: forge could not read the file, nothing is known.
 */
export function pkcs12KeyOpens(file: Buffer, storePassword: string, keyPassword: string): boolean | undefined {
  try {
    forge.pkcs12.pkcs12FromAsn1(forge.asn1.fromDer(forge.util.createBuffer(file.toString('binary'))), false, storePassword);
    return keyPassword === storePassword;
  } catch (err) {
    if (/Unable to decrypt PKCS#8 ShroudedKeyBag/.test((err as Error).message) && keyPassword === storePassword) return false;
    return undefined;
  }
}

/** keytool's own words, without samctl's "keytool -list failed:" and Java's exception class names. */
function keytoolReason(err: unknown): string {
  if (err instanceof SamctlError && err.exitCode === ExitCode.usage) throw err; // keytool missing: bad setup, not a finding
  const message = err instanceof Error ? err.message : String(err);
  return message
    .replace(/^keytool \S+ failed: /, '')
    .replace(/keytool error: /g, '')
    .replace(/\b(java|javax)\.[\w.]+(Exception|Error): /g, '')
    .trim();
}
