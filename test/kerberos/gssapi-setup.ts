/**
 * What the GSSAPI broker tests set up the same way: the Kerberos tools (setup-kerberos.sh),
 * a throwaway MIT KDC with a keytab per principal, samctl's GSSAPI flags for an identity, and
 * one broker whose JVM gets the krb5.conf the snippet's KAFKA_OPTS comment names.
 */
import { execa } from 'execa';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';
import { BROKER_JVM_OPTS, startKafka, TOOL_JVM_OPTS, type KafkaCluster, type StartKafkaOptions } from '../kafka/harness.js';
import { show } from '../kafka/setup.js';
import { startKdc, type Kdc } from './kdc.js';

/** Where a principal's keytab goes in `cwd`: kafka/localhost → kafka-localhost.keytab. */
export function keytabIn(cwd: string, principal: string): string {
  return join(cwd, `${principal.replace('/', '-')}.keytab`);
}

/** setup-kerberos.sh (quick when installed; puts the venv's `gssapi` back after setup-python.sh), then a KDC in `cwd/kdc` with each principal's keytab. */
export async function startKdcWith(cwd: string, principals: string[]): Promise<Kdc> {
  const setup = await execa(fileURLToPath(new URL('setup-kerberos.sh', import.meta.url)), { reject: false, stdin: 'ignore' });
  expect(setup.exitCode, show('setup-kerberos.sh', { exitCode: setup.exitCode, stdout: String(setup.stdout), stderr: String(setup.stderr) })).toBe(0);
  const kdc = await startKdc(join(cwd, 'kdc'));
  for (const principal of principals) await kdc.addPrincipal(principal, keytabIn(cwd, principal));
  return kdc;
}

/** `broker issue` / `client issue` flags for an identity that logs in as `principal` of this KDC, from its keytab in `cwd`. */
export function gssapiFlags(kdc: Kdc, cwd: string, principal: string): string[] {
  return ['--sasl', 'gssapi', '--keytab', keytabIn(cwd, principal), '--kerberos-principal', `${principal}@${kdc.realm}`, '--krb5-conf', kdc.krb5Conf];
}

/** The JVM option a samctl file's `KAFKA_OPTS=…` comment names (the realm's krb5.conf). */
export function kafkaOptsOf(file: string): string {
  return /^#\s+KAFKA_OPTS=(\S+)$/m.exec(readFileSync(file, 'utf8'))![1]!;
}

/** The Java console tools' JVM options for a GSSAPI client: the harness's, plus the krb5.conf its client-sasl.properties names (KAFKA_OPTS=…). */
export function toolJvmFor(clientSaslProperties: string): string[] {
  return [...TOOL_JVM_OPTS, /KAFKA_OPTS=(\S+)/.exec(readFileSync(clientSaslProperties, 'utf8'))![1]!];
}

/** One broker (work dir `cwd/kafka`) with a SASL_SSL listener on the GSSAPI snippet, its JVM given the snippet's KAFKA_OPTS. */
export function startGssapiBroker(cwd: string, snippet: string, o: Omit<StartKafkaOptions, 'workDir' | 'sslSnippets' | 'saslListener' | 'jvmOpts'> = {}): Promise<KafkaCluster> {
  return startKafka({ nodes: 1, ...o, workDir: join(cwd, 'kafka'), sslSnippets: [snippet], saslListener: true, jvmOpts: [...BROKER_JVM_OPTS, kafkaOptsOf(snippet)] });
}
