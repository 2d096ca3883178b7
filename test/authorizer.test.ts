/**
 * broker issue --authorizer and client issue --admin, at the CLI: the snippet's authorizer
 * lines, super.users as Java's Properties reads it, and what happens to the snippets of the
 * brokers issued earlier when the set of brokers and admins changes (rendered anew, nothing
 * re-signed, a rolling restart printed). The live broker is in test/kafka/acl-kafka.test.ts.
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { samctl, samctlOk, snapshotTree, tempDir, tool } from './helpers/samctl.js';

const cwd = tempDir('samctl-authorizer-');
const dir = join(cwd, 'pki');
const run = (...args: string[]) => samctl(['--dir', dir, ...args], { cwd });
const ok = (...args: string[]) => samctlOk(['--dir', dir, ...args], { cwd });
const snippet = (host: string) => readFileSync(join(dir, 'brokers', host, 'server-ssl.properties'), 'utf8');
const withoutConfig = (tree: Record<string, string>) => Object.fromEntries(Object.entries(tree).filter(([path]) => !path.endsWith('server-ssl.properties')));

/** super.users as java.util.Properties loads it (ISO-8859-1, escapes resolved): what Kafka sees. */
const JAVA_PROPS = join(cwd, 'Props.java');
async function javaProperty(file: string, key: string): Promise<string> {
  const { stdout } = await tool('java', [JAVA_PROPS, file, key]);
  return stdout.trim();
}

describe('broker issue --authorizer and client issue --admin', () => {
  beforeAll(async () => {
    writeFileSync(
      JAVA_PROPS,
      'import java.io.*; import java.util.*;\n' +
        'public class Props { public static void main(String[] a) throws Exception { Properties p = new Properties();\n' +
        '  try (InputStream in = new FileInputStream(a[0])) { p.load(in); } System.out.write((p.getProperty(a[1]) + "\\n").getBytes("UTF-8")); System.out.flush(); } }\n',
    );
    await ok('ca', 'init', '--key-size', '2048', '--org', 'Ynformed');
  }, 60_000);

  it('writes the KRaft authorizer lines with the broker itself as super user, and an SSL controller listener', async () => {
    const issued = await ok('broker', 'issue', 'sam01.ynformed.nl', '--authorizer');
    expect(issued.stdout).not.toMatch(/super\.users changed/);
    const text = snippet('sam01.ynformed.nl');
    expect(text).toContain('authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer\n');
    expect(text).toContain('allow.everyone.if.no.acl.found=false\n');
    expect(text).toContain('super.users=User:CN=sam01.ynformed.nl,O=Ynformed\n');
    expect(text).toContain('controller.listener.names=CONTROLLER\n');
    expect(text).toContain('listener.security.protocol.map=SSL:SSL,CONTROLLER:SSL\n');
    expect(text).toContain('ssl.client.auth=required\n');
    const status = JSON.parse((await ok('--json', 'status')).stdout);
    expect(status.entries.find((entry: { name: string }) => entry.name === 'sam01.ynformed.nl').authorizer).toBe(true);
  }, 60_000);

  it('an admin joins super.users: the earlier broker\'s snippet is rendered anew (nothing else changes) and its restart printed', async () => {
    const before = snapshotTree(join(dir, 'brokers'));
    // A CN with an (escaped) comma and a non-ASCII letter: Java must read back the exact principal.
    const issued = await ok('client', 'issue', 'ops', '--admin', '--cn', 'Müller, ops');
    expect(issued.stdout).toMatch(/super\.users changed \(2 principals\)/);
    expect(issued.stdout).toMatch(/one broker at a time[\s\S]*\n {4}sam01\.ynformed\.nl {2}pki\/brokers\/sam01\.ynformed\.nl\/server-ssl\.properties$/m);
    const after = snapshotTree(join(dir, 'brokers'));
    expect(withoutConfig(after)).toEqual(withoutConfig(before));
    expect(after['/sam01.ynformed.nl/server-ssl.properties']).not.toEqual(before['/sam01.ynformed.nl/server-ssl.properties']);
    expect(readdirSync(join(dir, 'backups', 'brokers')).some((name) => name.startsWith('sam01.ynformed.nl-'))).toBe(true);
    const file = join(dir, 'brokers', 'sam01.ynformed.nl', 'server-ssl.properties');
    expect(await javaProperty(file, 'super.users')).toBe('User:CN=M\u00fcller\\, ops,O=Ynformed;User:CN=sam01.ynformed.nl,O=Ynformed');
    const json = JSON.parse((await ok('--json', 'client', 'issue', 'ops2', '--admin')).stdout);
    expect(json.superUsersChange.restart).toEqual(['sam01.ynformed.nl']);
    expect(json.issued[0].admin).toBe(true);
  }, 60_000);

  it('every broker is a super user, with or without --authorizer; a plain client changes nothing', async () => {
    const issued = await ok('broker', 'issue', 'sam02.ynformed.nl');
    expect(issued.stdout).toMatch(/\n {4}sam01\.ynformed\.nl /);
    expect(snippet('sam02.ynformed.nl')).not.toMatch(/^(authorizer\.class\.name|super\.users)=/m);
    expect(snippet('sam01.ynformed.nl')).toMatch(/^super\.users=.*;User:CN=sam02\.ynformed\.nl,O=Ynformed$/m);
    const before = snapshotTree(join(dir, 'brokers'));
    const plain = await ok('client', 'issue', 'console');
    expect(plain.stdout).not.toMatch(/super\.users/);
    expect(snapshotTree(join(dir, 'brokers'))).toEqual(before);
  }, 60_000);

  it('two authorizer brokers in one run name each other; renew and configure keep the lines', async () => {
    const issued = await ok('broker', 'issue', 'sam03.ynformed.nl', 'sam04.ynformed.nl', '--authorizer');
    expect(issued.stdout).toMatch(/\n {4}sam01\.ynformed\.nl /);
    expect(issued.stdout).not.toMatch(/\n {4}sam0[34]\.ynformed\.nl /);
    for (const host of ['sam01', 'sam03', 'sam04']) {
      expect(snippet(`${host}.ynformed.nl`)).toMatch(/^super\.users=(?=.*User:CN=sam03\.ynformed\.nl,O=Ynformed)(?=.*User:CN=sam04\.ynformed\.nl,O=Ynformed)(?=.*User:CN=ops2,O=Ynformed).*$/m);
    }
    const line = /^super\.users=.*$/m.exec(snippet('sam03.ynformed.nl'))![0];
    await ok('renew', 'sam03.ynformed.nl', 'ops');
    expect(/^super\.users=.*$/m.exec(snippet('sam03.ynformed.nl'))![0]).toBe(line);
    expect(/^super\.users=.*$/m.exec(snippet('sam01.ynformed.nl'))![0]).toBe(line);
    await ok('configure', 'sam04.ynformed.nl', '--secrets', 'inline');
    expect(/^super\.users=.*$/m.exec(snippet('sam04.ynformed.nl'))![0]).toBe(line);
    const status = JSON.parse((await ok('--json', 'status')).stdout);
    const entry = (name: string) => status.entries.find((e: { name: string }) => e.name === name);
    expect([entry('sam03.ynformed.nl').authorizer, entry('ops').admin, entry('sam02.ynformed.nl').authorizer]).toEqual([true, true, undefined]);
  }, 120_000);

  it('refuses an --admin whose principal super.users cannot hold, before asking for the passphrase', async () => {
    const before = snapshotTree(dir);
    const refused = await run('client', 'issue', 'semi', '--admin', '--cn', 'a;b');
    expect(refused.exitCode).toBe(2);
    expect(refused.stderr).toMatch(/^samctl: invalid --cn "a;b" for an --admin client: Kafka's super\.users cannot hold a principal with ';'\nhint: /);
    expect(snapshotTree(dir)).toEqual(before);
    expect(existsSync(join(dir, 'clients', 'semi'))).toBe(false);
  });
});
