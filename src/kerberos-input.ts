import { readOptionFile } from './bundle/input-file.js';
import { usageError } from './errors.js';
import { parseKerberosPrincipal } from './pki/kerberos.js';
import { KeytabFormatError, keytabPrincipals, parseKeytab } from './pki/keytab.js';
import type { SaslMechanism } from './pki/scram.js';
import type { KerberosSettings } from './store/inventory.js';

/** What a GSSAPI identity is issued with: the settings the inventory keeps and the files copied into it. */
export interface KerberosInput {
  settings: KerberosSettings;
  keytab: Buffer;
  krb5Conf?: Buffer;
}

export interface KerberosOptions {
  keytab?: string;
  kerberosPrincipal?: string;
  krb5Conf?: string;
}

/**
 * --keytab, --kerberos-principal and --krb5-conf, checked before anything is written: the
 * keytab must be an MIT keytab holding the principal (else the broker or client would fail its
 * Kerberos login only when it starts). Without gssapi among the mechanisms the options are refused.
 */
export async function readKerberosInput(mechanisms: SaslMechanism[], options: KerberosOptions, example: string): Promise<KerberosInput | undefined> {
  const given = (['keytab', 'kerberosPrincipal', 'krb5Conf'] as const).filter((key) => options[key] !== undefined);
  if (!mechanisms.includes('gssapi')) {
    if (given.length > 0) throw usageError(`--${given[0] === 'kerberosPrincipal' ? 'kerberos-principal' : given[0] === 'krb5Conf' ? 'krb5-conf' : 'keytab'} needs --sasl gssapi`, `for example: ${example}`);
    return undefined;
  }
  if (options.keytab === undefined) throw usageError('--sasl gssapi needs --keytab <file> (the keytab your Kerberos admin made)', `for example: ${example}`);
  if (options.kerberosPrincipal === undefined) throw usageError('--sasl gssapi needs --kerberos-principal <name@REALM> (the principal in the keytab)', `for example: ${example}`);
  const principal = parseKerberosPrincipal(options.kerberosPrincipal);
  const keytab = await readOptionFile(options.keytab, '--keytab', 'give the keytab file your Kerberos admin made (kadmin ktadd -k, ipa-getkeytab)');
  let found: string[];
  try {
    found = keytabPrincipals(parseKeytab(keytab));
  } catch (err) {
    if (!(err instanceof KeytabFormatError)) throw err;
    throw usageError(`--keytab ${options.keytab} is not usable: ${err.message}`, 'give the keytab file your Kerberos admin made (kadmin ktadd -k, ipa-getkeytab); klist -k <file> lists it');
  }
  if (found.length === 0) throw usageError(`--keytab ${options.keytab} holds no keys (an empty keytab)`, `ask your Kerberos admin for ${principal.name}'s keys: kadmin ktadd -k <file> ${principal.name}`);
  if (!found.includes(principal.name)) {
    const listed = found.slice(0, 3).join(', ') + (found.length > 3 ? `, … (${found.length})` : '');
    throw usageError(`--keytab ${options.keytab} does not hold ${principal.name} (it holds ${listed})`, `check the name with klist -k ${options.keytab}, or ask your Kerberos admin for ${principal.name}'s keytab`);
  }
  const krb5Conf = options.krb5Conf === undefined ? undefined : await readOptionFile(options.krb5Conf, '--krb5-conf', "give the realm's krb5.conf (often /etc/krb5.conf)");
  if (krb5Conf !== undefined && !/^\s*\[(libdefaults|realms)\]/m.test(krb5Conf.toString('utf8'))) {
    throw usageError(`--krb5-conf ${options.krb5Conf} is not a krb5.conf (no [libdefaults] or [realms] section)`, "give the realm's krb5.conf (often /etc/krb5.conf)");
  }
  return { settings: { principal: principal.name, ...(krb5Conf ? { krb5Conf: true as const } : {}) }, keytab, ...(krb5Conf ? { krb5Conf } : {}) };
}
