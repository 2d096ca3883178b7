import { readFile } from 'node:fs/promises';
import { KeytabFormatError, keytabPrincipals, parseKeytab } from '../pki/keytab.js';
import type { Listener } from './broker-config.js';
import type { Properties } from './config-providers.js';
import { error, type Finding } from './finding.js';

/**
 * The GSSAPI settings of a SASL_SSL listener, where hand-written Kafka setups break most: the
 * JAAS line (login module, quoting, the trailing semicolon), the keytab it names and whether it
 * holds the principal, and sasl.kerberos.service.name. Kafka reads them per listener first
 * (listener.name.<l>.gssapi.sasl.jaas.config, KIP-103), then broker-wide.
 */

export interface Krb5Jaas {
  loginModule: string;
  options: Record<string, string>;
}

/**
 * One JAAS entry as Kafka's JaasConfig parses sasl.jaas.config: `<LoginModule> <flag> key=value …;`,
 * values optionally double-quoted. Returns why it is not one, in words.
 */
export function parseJaasEntry(text: string): Krb5Jaas | { problem: string } {
  const trimmed = text.trim();
  if (!trimmed.endsWith(';')) return { problem: 'it does not end with a semicolon (Kafka: "JAAS config entry not terminated by semi-colon")' };
  const body = trimmed.slice(0, -1).trim();
  const head = /^(\S+)\s+(required|requisite|sufficient|optional)(?:\s+|$)/i.exec(body);
  if (!head) return { problem: 'it does not start with "<LoginModule> required"' };
  const options: Record<string, string> = {};
  let rest = body.slice(head[0].length);
  const option = /^([A-Za-z0-9_.-]+)\s*=\s*("((?:[^"\\]|\\.)*)"|[^\s";]+)\s*/;
  while (rest.length > 0) {
    const match = option.exec(rest);
    if (!match) return { problem: `it cannot be read from "${rest.slice(0, 30)}" on (an unclosed quote, or a value with spaces and no quotes)` };
    options[match[1]!] = match[3] !== undefined ? match[3].replace(/\\(.)/g, '$1') : match[2]!;
    rest = rest.slice(match[0].length);
  }
  if (/;/.test(body)) return { problem: 'it holds more than one entry (one login module per listener and mechanism)' };
  return { loginModule: head[1]!, options };
}

const KRB5_LOGIN_MODULE = 'com.sun.security.auth.module.Krb5LoginModule';

function enabledMechanisms(values: Properties, listener: string): string[] {
  const raw = values[`listener.name.${listener}.sasl.enabled.mechanisms`] ?? values['sasl.enabled.mechanisms'] ?? 'GSSAPI';
  return raw.split(',').map((mechanism) => mechanism.trim().toUpperCase()).filter(Boolean);
}

/** Findings for every SASL_SSL (or SASL_PLAINTEXT) listener that enables GSSAPI. */
export async function kerberosFindings(listeners: Listener[], values: Properties): Promise<Finding[]> {
  const findings: Finding[] = [];
  for (const listener of listeners.filter((candidate) => candidate.protocol === 'SASL_SSL' || candidate.protocol === 'SASL_PLAINTEXT')) {
    const name = listener.name.toLowerCase();
    if (!enabledMechanisms(values, name).includes('GSSAPI')) continue;
    const prefixed = `listener.name.${name}.gssapi.sasl.jaas.config`;
    const key = values[prefixed] !== undefined ? prefixed : 'sasl.jaas.config';
    const serviceKey = values[`listener.name.${name}.sasl.kerberos.service.name`] !== undefined ? `listener.name.${name}.sasl.kerberos.service.name` : 'sasl.kerberos.service.name';
    const jaasText = values[key];
    if (jaasText === undefined) {
      findings.push(error(prefixed, `listener ${listener.name} enables GSSAPI but has no JAAS line: Kafka refuses to start`, `add ${prefixed}=${KRB5_LOGIN_MODULE} required useKeyTab=true storeKey=true keyTab="<keytab>" principal="kafka/<host>@<REALM>"; (samctl broker issue --sasl gssapi writes it)`));
      continue;
    }
    const jaas = parseJaasEntry(jaasText);
    if ('problem' in jaas) {
      findings.push(error(key, `listener ${listener.name}'s JAAS line is broken: ${jaas.problem}`, `write it as ${KRB5_LOGIN_MODULE} required useKeyTab=true storeKey=true keyTab="<keytab>" principal="kafka/<host>@<REALM>";`));
      continue;
    }
    if (jaas.loginModule !== KRB5_LOGIN_MODULE) {
      findings.push(error(key, `listener ${listener.name} enables GSSAPI but its JAAS line uses ${jaas.loginModule}`, `use ${KRB5_LOGIN_MODULE} with useKeyTab=true keyTab=… principal=…`));
      continue;
    }
    if (values[serviceKey] === undefined) {
      findings.push(error('sasl.kerberos.service.name', `listener ${listener.name} enables GSSAPI but sasl.kerberos.service.name is not set: Kafka refuses to start ("No serviceName defined")`, "set it to the broker principal's primary, e.g. sasl.kerberos.service.name=kafka"));
    }
    const principal = jaas.options.principal;
    const keytab = jaas.options.keyTab;
    if (jaas.options.useKeyTab !== 'true' || !keytab || !principal) {
      findings.push(error(key, `listener ${listener.name}'s JAAS line lacks useKeyTab=true, keyTab="…" or principal="…": the broker cannot log in without a password prompt`, 'name the keytab and its principal: useKeyTab=true storeKey=true keyTab="<keytab>" principal="kafka/<host>@<REALM>"'));
      continue;
    }
    if (values[serviceKey] !== undefined && principal.split(/[/@]/)[0] !== values[serviceKey]) {
      findings.push(error(serviceKey, `${serviceKey}=${values[serviceKey]} is not the primary of the broker's principal ${principal}: clients ask tickets for ${values[serviceKey]}/<host>, which the broker's keytab cannot accept`, `set ${serviceKey}=${principal.split(/[/@]/)[0]}`));
    }
    findings.push(...(await keytabFindings(key, keytab, principal)));
  }
  return findings;
}

async function keytabFindings(key: string, keytab: string, principal: string): Promise<Finding[]> {
  let bytes: Buffer;
  try {
    bytes = await readFile(keytab);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return [error(key, `the keytab ${keytab} cannot be read (${code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : (code ?? 'unreadable')}): the broker's Kerberos login fails`, 'put the keytab there (samctl export ships it), readable by the broker\'s user only')];
  }
  try {
    const held = keytabPrincipals(parseKeytab(bytes));
    if (held.includes(principal)) return [];
    return [error(key, `the keytab ${keytab} does not hold ${principal}${held.length ? ` (it holds ${held.slice(0, 3).join(', ')})` : ' (it is empty)'}: the broker's Kerberos login fails`, `check with klist -k ${keytab}; ask your Kerberos admin for ${principal}'s keytab`)];
  } catch (err) {
    if (!(err instanceof KeytabFormatError)) throw err;
    return [error(key, `${keytab} is not usable as a keytab: ${err.message}`, `check with klist -k ${keytab}; ask your Kerberos admin for ${principal}'s keytab`)];
  }
}
