/**
 * A throwaway MIT Kerberos realm for the GSSAPI tests: Debian's krb5kdc run from temp files on a
 * free loopback port (KRB5_CONFIG and KRB5_KDC_PROFILE point at them; nothing in /etc is read or
 * written), principals and keytabs made with kadmin.local, stopped by the test.
 *
 *   const kerberos = requireKerberos();            // false (loud skip) or throws under SAMCTL_E2E=required
 *   const kdc = await startKdc(dir);
 *   await kdc.addPrincipal('kafka/localhost', join(dir, 'kafka.keytab'));
 *   ... KRB5_CONFIG=kdc.krb5Conf, -Djava.security.krb5.conf=kdc.krb5Conf ...
 *   await kdc.stop();
 */
import { execa, execaSync } from 'execa';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import { join, resolve } from 'node:path';
import { freePorts } from '../kafka/harness.js';

export const TEST_REALM = 'SAMCTL.TEST';

/** The programs of Debian's krb5-kdc, krb5-admin-server and krb5-user the tests run. */
const TOOLS = ['krb5kdc', 'kdb5_util', 'kadmin.local', 'klist', 'kinit'];

function onPath(tool: string): boolean {
  return execaSync('sh', ['-c', `command -v ${tool}`], { reject: false, stdin: 'ignore' }).exitCode === 0;
}

/** What is missing for a KDC here ('' when ready). */
export function kerberosRequirements(extra: string[] = []): string[] {
  return [...TOOLS, ...extra].filter((tool) => !onPath(tool));
}

/**
 * true when a KDC can run here; otherwise one loud skip line and false, or (SAMCTL_E2E=required)
 * a thrown error: CI must fail, not skip. `extra`: more programs the test needs (kcat).
 */
export function requireKerberos(extra: string[] = []): boolean {
  const mode = process.env.SAMCTL_E2E ?? '';
  if (mode === 'off' || mode === '0' || mode === 'skip') return false;
  const missing = kerberosRequirements(extra);
  if (missing.length === 0) return true;
  const line = `samctl Kerberos tests need ${missing.join(', ')} (test/kerberos/setup-kerberos.sh installs them)`;
  if (mode === 'required') throw new Error(`${line} (SAMCTL_E2E=required)`);
  console.warn(`!!! SKIPPING ${line}`);
  return false;
}

export interface Kdc {
  realm: string;
  port: number;
  dir: string;
  /** The krb5.conf every client and the broker must be given (KRB5_CONFIG, -Djava.security.krb5.conf). */
  krb5Conf: string;
  /** The environment for MIT tools run against this realm (kadmin.local, klist, kinit, kcat). */
  env: Record<string, string>;
  /** addprinc -randkey <name>, then (with keytab) ktadd -k <keytab> <name>. Realm-less names get the test realm. */
  addPrincipal(name: string, keytab?: string): Promise<void>;
  /** kadmin.local -q <query>: its stdout. */
  kadmin(query: string): Promise<string>;
  stop(): Promise<void>;
}

function tcpConnects(port: number): Promise<boolean> {
  return new Promise((res) => {
    const sock = createConnection({ host: '127.0.0.1', port });
    const done = (ok: boolean) => {
      sock.destroy();
      res(ok);
    };
    sock.setTimeout(1000, () => done(false));
    sock.once('connect', () => done(true));
    sock.once('error', () => done(false));
  });
}

/** Creates the realm's database in `dir` and starts krb5kdc on a free loopback port (TCP and UDP). */
export async function startKdc(dirInput: string, realm = TEST_REALM): Promise<Kdc> {
  const dir = resolve(dirInput);
  mkdirSync(dir, { recursive: true });
  const [port, adminPort] = await freePorts(2);
  const krb5Conf = join(dir, 'krb5.conf');
  const kdcConf = join(dir, 'kdc.conf');
  // Java's Kerberos uses UDP unless udp_preference_limit says TCP; TCP avoids a second free-port guess.
  writeFileSync(
    krb5Conf,
    `[libdefaults]
  default_realm = ${realm}
  dns_lookup_realm = false
  dns_lookup_kdc = false
  dns_canonicalize_hostname = false
  rdns = false
  udp_preference_limit = 1
  ticket_lifetime = 1h
  forwardable = true

[realms]
  ${realm} = {
    kdc = 127.0.0.1:${port}
    admin_server = 127.0.0.1:${adminPort}
  }

[domain_realm]
  localhost = ${realm}
  .localhost = ${realm}
`,
  );
  writeFileSync(
    kdcConf,
    `[kdcdefaults]
  kdc_ports = ${port}
  kdc_tcp_ports = ${port}

[realms]
  ${realm} = {
    database_name = ${join(dir, 'principal')}
    key_stash_file = ${join(dir, 'stash')}
    acl_file = ${join(dir, 'kadm5.acl')}
    kdc_ports = ${port}
    kdc_tcp_ports = ${port}
    max_life = 1h
    supported_enctypes = aes256-cts-hmac-sha1-96:normal aes128-cts-hmac-sha1-96:normal
  }

[logging]
  kdc = FILE:${join(dir, 'kdc.log')}
  admin_server = FILE:${join(dir, 'kadmin.log')}
  default = FILE:${join(dir, 'krb5.log')}
`,
  );
  writeFileSync(join(dir, 'kadm5.acl'), '');
  const env = { KRB5_CONFIG: krb5Conf, KRB5_KDC_PROFILE: kdcConf, KRB5CCNAME: `FILE:${join(dir, 'ccache')}` };
  const run = async (cmd: string, args: string[]) => {
    const r = await execa(cmd, args, { env, reject: false, stdin: 'ignore', timeout: 60_000 });
    if (r.exitCode !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (exit ${r.exitCode}):\n${r.stdout}\n${r.stderr}`);
    return String(r.stdout);
  };
  // The master password of a realm that lives for one test run (the stash file keeps it for krb5kdc).
  await run('kdb5_util', ['create', '-s', '-r', realm, '-P', randomBytes(18).toString('base64url')]);
  const proc = execa('krb5kdc', ['-n', '-r', realm, '-P', join(dir, 'krb5kdc.pid')], { env, reject: false, stdin: 'ignore', stdout: 'ignore', stderr: 'pipe', cleanup: true });
  const exited = proc.then((r) => r);
  let running = true;
  void exited.then(() => (running = false));
  const deadline = Date.now() + 20_000;
  while (!(await tcpConnects(port))) {
    if (!running) {
      const r = await exited;
      throw new Error(`krb5kdc exited (exit ${r.exitCode}): ${String(r.stderr)}\n${safeRead(join(dir, 'kdc.log'))}`);
    }
    if (Date.now() > deadline) {
      proc.kill('SIGKILL');
      throw new Error(`krb5kdc not listening on 127.0.0.1:${port} within 20 s\n${safeRead(join(dir, 'kdc.log'))}`);
    }
    await new Promise((res) => setTimeout(res, 100));
  }
  const qualified = (name: string) => (name.includes('@') ? name : `${name}@${realm}`);
  return {
    realm,
    port,
    dir,
    krb5Conf,
    env,
    kadmin: (query) => run('kadmin.local', ['-r', realm, '-q', query]),
    async addPrincipal(name, keytab) {
      await run('kadmin.local', ['-r', realm, '-q', `addprinc -randkey ${qualified(name)}`]);
      if (keytab) await run('kadmin.local', ['-r', realm, '-q', `ktadd -k ${keytab} ${qualified(name)}`]);
    },
    async stop() {
      if (running) {
        proc.kill('SIGTERM');
        const timer = setTimeout(() => proc.kill('SIGKILL'), 5000);
        await exited;
        clearTimeout(timer);
      }
    },
  };
}

function safeRead(path: string): string {
  try {
    return readFileSync(path, 'utf8').split('\n').slice(-30).join('\n');
  } catch {
    return '';
  }
}
