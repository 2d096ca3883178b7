import { cpSync, existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { samctl, samctlOk, snapshotTree, tempDir, tool } from './helpers/samctl.js';

/**
 * ssl.principal.mapping.rules as a PKI-wide setting, through the built CLI: set at ca init or
 * with samctl principal-rules, kept in the inventory, written into every broker config (and
 * only there), the principal shown wherever an identity is; bad rules refused with exit 2
 * before anything changes. That the principals equal Kafka's is test/principal-mapper-java.test.ts.
 */

const SHORT = 'RULE:^CN=([^,]+),.*$/$1/';
const TEAM = 'RULE:^CN=([^,]+),OU=([^,]+),.*$/$1@$2/L,DEFAULT';

function inventory(cwd: string) {
  return JSON.parse(readFileSync(join(cwd, 'pki/samctl.json'), 'utf8')) as { settings: { principalRules?: string } };
}

function brokerConfig(cwd: string, host = 'sam01.example.com'): string {
  return readFileSync(join(cwd, 'pki/brokers', host, 'server-ssl.properties'), 'utf8');
}

function stderrLines(stderr: string): string[] {
  return stderr.split('\n').filter(Boolean);
}

describe('samctl ca init --principal-rules', () => {
  it('refuses a bad rule with exit 2 and one line naming it, before any prompt or file', async () => {
    const cwd = tempDir();
    const result = await samctl(['ca', 'init', '--principal-rules', 'RULE:^CN=([^,]+,.*$/$1/'], { cwd });
    expect(result.exitCode).toBe(2);
    expect(stderrLines(result.stderr)).toEqual([
      'samctl: invalid principal rule "RULE:^CN=([^,]+,.*$/$1/": not a valid Java regex, unclosed group: a \'(\' without its \')\' (at character 5 of "^CN=([^,]+,.*$")',
      'hint: fix the pattern: Kafka refuses to start with it',
    ]);
    expect(existsSync(join(cwd, 'pki'))).toBe(false);
  });

  it('keeps the rules for every broker config, warns when they lack DEFAULT, and shows each principal under them', async () => {
    const cwd = tempDir();
    const init = await samctlOk(['ca', 'init', '--org', 'Ynformed', '--key-size', '2048', '--principal-rules', SHORT], { cwd });
    expect(stderrLines(init.stderr)).toEqual([
      'samctl: warning: the principal rules do not end with DEFAULT: a certificate whose DN no rule matches is refused by the broker (NoMatchingRule)',
    ]);
    expect(init.stdout).toContain(`principals ssl.principal.mapping.rules=${SHORT}`);
    expect(inventory(cwd).settings).toEqual({ backend: 'directory', principalRules: SHORT });

    const broker = JSON.parse((await samctlOk(['broker', 'issue', 'sam01.example.com', '--store-type', 'pem', '--json'], { cwd })).stdout);
    expect(broker.issued[0].principal).toBe('User:sam01.example.com');
    // Backslashes doubled for Properties.load; nothing else escaped.
    expect(brokerConfig(cwd).split('\n').filter((line) => line.startsWith('ssl.principal'))).toEqual([`ssl.principal.mapping.rules=${SHORT}`]);

    const client = await samctlOk(['client', 'issue', 'console', '--ou', 'data', '--store-type', 'pem'], { cwd });
    expect(client.stdout).toContain('  principal  User:console\n');
    // The clients' configs carry no mapping line: it is a broker setting.
    for (const file of ['client-ssl.properties', 'librdkafka.properties']) {
      const text = readFileSync(join(cwd, 'pki/clients/console', file), 'utf8');
      expect(text).not.toContain('ssl.principal.mapping.rules');
      expect(text).toContain('(principal User:console)');
    }
  });
});

describe('non-ASCII subjects', () => {
  it('are written as UTF8String and survive renewal: same DN, issuer equal to the CA subject', async () => {
    const cwd = tempDir();
    await samctlOk(['ca', 'init', '--org', 'Ynformed – Zürich', '--key-size', '2048'], { cwd });
    await samctlOk(['client', 'issue', 'jurgen', '--cn', 'Jürgen Groß', '--store-type', 'pem'], { cwd });
    const cert = join(cwd, 'pki/clients/jurgen/client.crt');
    const subject = async () => (await tool('openssl', ['x509', '-in', cert, '-noout', '-subject', '-issuer', '-nameopt', 'RFC2253,utf8,-esc_msb'])).stdout;
    const before = await subject();
    expect(before).toBe('subject=CN=Jürgen Groß,O=Ynformed – Zürich\nissuer=CN=samctl Kafka CA,O=Ynformed – Zürich');
    expect((await tool('openssl', ['asn1parse', '-in', cert])).stdout).toMatch(/UTF8STRING\s+:J/);
    await samctlOk(['renew', 'jurgen'], { cwd });
    expect(await subject()).toBe(before);
    expect((await tool('openssl', ['verify', '-CAfile', join(cwd, 'pki/ca/ca.crt'), cert])).stdout).toBe(`${cert}: OK`);
  });
});

describe('samctl principal-rules', () => {
  // One PKI (two brokers, two clients), copied for each test.
  let template: string;
  beforeAll(async () => {
    template = tempDir();
    await samctlOk(['ca', 'init', '--org', 'Ynformed', '--key-size', '2048'], { cwd: template });
    await samctlOk(['broker', 'issue', 'sam01.example.com', 'sam02.example.com', '--store-type', 'pem'], { cwd: template });
    await samctlOk(['client', 'issue', 'console', '--ou', 'Data', '--store-type', 'pem'], { cwd: template });
    await samctlOk(['client', 'issue', 'plain', '--store-type', 'pem'], { cwd: template });
  });

  async function pki(): Promise<string> {
    const cwd = tempDir();
    cpSync(join(template, 'pki'), join(cwd, 'pki'), { recursive: true });
    return cwd;
  }

  it('shows the rules in effect and every principal; none set means the full DN and no line in broker configs', async () => {
    const cwd = await pki();
    expect(brokerConfig(cwd)).not.toContain('ssl.principal.mapping.rules');
    const shown = await samctlOk(['principal-rules'], { cwd });
    expect(shown.stdout.split('\n').slice(0, 6)).toEqual([
      "ssl.principal.mapping.rules is not set: Kafka's DEFAULT, the principal is the full DN",
      'KIND    NAME               PRINCIPAL',
      'broker  sam01.example.com  User:CN=sam01.example.com,O=Ynformed',
      'broker  sam02.example.com  User:CN=sam02.example.com,O=Ynformed',
      'client  console            User:CN=console,OU=Data,O=Ynformed',
      'client  plain              User:CN=plain,O=Ynformed',
    ]);
    const json = JSON.parse((await samctlOk(['principal-rules', '--json'], { cwd })).stdout);
    expect(json.rules).toBeNull();
    expect(json.identities[2]).toEqual({ kind: 'client', name: 'console', subject: 'CN=console,OU=Data,O=Ynformed', principal: 'User:CN=console,OU=Data,O=Ynformed' });
  });

  it('refuses bad rules with exit 2 and one line naming the rule, changing nothing', async () => {
    const cwd = await pki();
    const before = snapshotTree(join(cwd, 'pki'));
    for (const [rules, first, hint] of [
      // No groups: Kafka leaves $1 as it is, and Java's replaceAll throws for every DN the rule matches.
      ['RULE:^CN=[^,]*,.*$/$1/,DEFAULT', 'samctl: principal rule "RULE:^CN=[^,]*,.*$/$1/": its replacement "$1" fails for every DN the rule matches: $1: the pattern has no groups (IndexOutOfBoundsException: No group 1)', 'hint: the pattern has no groups, so no $n; ${name} a named group; write \\$ for a literal dollar and \\\\ for a backslash'],
      ['RULE:(?i)^cn=(.*?),.*$/$1/,DEFAULT', 'samctl: principal rule "RULE:(?i)^cn=(.*?),.*$/$1/": samctl cannot evaluate embedded flags such as (?i) or (?i:…) (at character 1 of "(?i)^cn=(.*?),.*$") exactly as Java does', 'hint: spell both cases out, as in [Cc][Nn]='],
      ['RULE:^CN=(.*)$/$1', 'samctl: invalid principal rule "RULE:^CN=(.*)$/$1"', expect.stringMatching(/^hint: rules read RULE:<java regex>\/<replacement>\//)],
    ] as const) {
      const result = await samctl(['principal-rules', rules], { cwd });
      expect({ rules, exitCode: result.exitCode, stderr: stderrLines(result.stderr), stdout: result.stdout }).toEqual({ rules, exitCode: 2, stderr: [first, hint], stdout: '' });
    }
    expect(snapshotTree(join(cwd, 'pki'))).toEqual(before);
  });

  it('--dry-run shows the principals under new rules and what they were, changing nothing', async () => {
    const cwd = await pki();
    const before = snapshotTree(join(cwd, 'pki'));
    const preview = JSON.parse((await samctlOk(['principal-rules', TEAM, '--dry-run', '--json'], { cwd })).stdout);
    expect(preview.identities.map((entry: { name: string; principal: string; previousPrincipal: string }) => `${entry.name} ${entry.principal} (was ${entry.previousPrincipal})`)).toEqual([
      'sam01.example.com User:CN=sam01.example.com,O=Ynformed (was User:CN=sam01.example.com,O=Ynformed)',
      'sam02.example.com User:CN=sam02.example.com,O=Ynformed (was User:CN=sam02.example.com,O=Ynformed)',
      'console User:console@data (was User:CN=console,OU=Data,O=Ynformed)',
      'plain User:CN=plain,O=Ynformed (was User:CN=plain,O=Ynformed)',
    ]);
    expect(snapshotTree(join(cwd, 'pki'))).toEqual(before);
  });

  it('stores the rules, renders every broker config and the clients whose principal changed anew, re-signs nothing, and says brokers need a restart', async () => {
    const cwd = await pki();
    const before = snapshotTree(join(cwd, 'pki'));
    const result = await samctlOk(['principal-rules', TEAM], { cwd });
    expect(result.stderr).toBe('');
    expect(result.stdout).toContain(`✔ ssl.principal.mapping.rules=${TEAM}  (was not set: Kafka's DEFAULT)`);
    expect(result.stdout).toContain('client  console            User:console@data');
    expect(result.stdout).toContain('Next: brokers read ssl.principal.mapping.rules only at startup (it is not a dynamic config; kafka-configs.sh cannot change it).');
    expect(result.stdout).toContain('restart them one at a time: sam01.example.com, sam02.example.com.');
    expect(inventory(cwd).settings.principalRules).toBe(TEAM);
    for (const host of ['sam01.example.com', 'sam02.example.com']) {
      expect(brokerConfig(cwd, host)).toContain(`\nssl.principal.mapping.rules=${TEAM}\n`);
    }
    expect(readFileSync(join(cwd, 'pki/clients/console/client-ssl.properties'), 'utf8')).toContain('(principal User:console@data)');

    const after = snapshotTree(join(cwd, 'pki'));
    const changed = Object.keys(after).filter((path) => !path.startsWith('/backups/') && after[path] !== before[path]);
    expect(changed.sort()).toEqual([
      '/brokers/sam01.example.com/server-ssl.properties',
      '/brokers/sam02.example.com/server-ssl.properties',
      '/clients/console/client-ssl.properties',
      '/clients/console/librdkafka.properties',
      '/samctl.json',
    ]);
    // The previous directories are kept; plain's principal did not change, so it was left alone.
    const kept = (kind: string) => readdirSync(join(cwd, 'pki/backups', kind)).map((entry) => entry.replace(/-\d{4}-\d\d-\d\dT[\d-]+Z$/, '')).sort();
    expect({ brokers: kept('brokers'), clients: kept('clients') }).toEqual({ brokers: ['sam01.example.com', 'sam02.example.com'], clients: ['console'] });

    // status shows the principals under the rules, in its table and in --json.
    const status = await samctlOk(['status'], { cwd });
    expect(status.stdout).toMatch(/^client\s+console\s+ok\s+\S+\s+\d+\s+User:console@data\s/m);
    const json = JSON.parse((await samctlOk(['status', '--json'], { cwd })).stdout);
    expect(json.principalRules).toBe(TEAM);
    expect(json.entries.map((entry: { name: string; principal?: string }) => `${entry.name} ${entry.principal}`)).toEqual([
      'ca undefined',
      'sam01.example.com User:CN=sam01.example.com,O=Ynformed',
      'sam02.example.com User:CN=sam02.example.com,O=Ynformed',
      'console User:console@data',
      'plain User:CN=plain,O=Ynformed',
    ]);

    // Back to DEFAULT: written out, so that it replaces the line merged into server.properties before.
    await samctlOk(['principal-rules', 'DEFAULT'], { cwd });
    expect(brokerConfig(cwd)).toContain('\nssl.principal.mapping.rules=DEFAULT\n');
  });

  it('warns on stderr, exit 0, when an identity matches no rule; status marks it', async () => {
    const cwd = await pki();
    const result = await samctlOk(['principal-rules', 'RULE:^CN=([^,]+),OU=Data,.*$/$1/'], { cwd });
    expect(stderrLines(result.stderr)).toEqual([
      'samctl: warning: the principal rules do not end with DEFAULT: a certificate whose DN no rule matches is refused by the broker (NoMatchingRule)',
      'samctl: warning: broker sam01.example.com: no principal rule matches CN=sam01.example.com,O=Ynformed: the broker refuses this certificate',
      'samctl: warning: broker sam02.example.com: no principal rule matches CN=sam02.example.com,O=Ynformed: the broker refuses this certificate',
      'samctl: warning: client plain: no principal rule matches CN=plain,O=Ynformed: the broker refuses this certificate',
    ]);
    const status = await samctl(['status', '--json'], { cwd });
    expect(status.exitCode).toBe(0);
    const plain = JSON.parse(status.stdout).entries.find((entry: { name: string }) => entry.name === 'plain');
    expect({ principal: plain.principal, principalError: plain.principalError }).toEqual({ principal: null, principalError: 'no principal rule matches CN=plain,O=Ynformed: the broker refuses this certificate' });
  });

  it('names a hand-damaged setting in the inventory and the command that fixes it', async () => {
    const cwd = await pki();
    const path = join(cwd, 'pki/samctl.json');
    const data = JSON.parse(readFileSync(path, 'utf8'));
    data.settings.principalRules = 'RULE:(/x/';
    writeFileSync(path, JSON.stringify(data));
    const status = await samctl(['status'], { cwd });
    expect(status.exitCode).toBe(1);
    expect(stderrLines(status.stderr)).toEqual([
      `samctl: ${path}: settings.principalRules cannot be used: invalid principal rule "RULE:(/x/": not a valid Java regex, unclosed group: a '(' without its ')' (at character 1 of "(")`,
      "hint: set valid rules with samctl principal-rules '<rules>' (DEFAULT for the full DN)",
    ]);
    await samctlOk(['principal-rules', 'DEFAULT'], { cwd });
    expect((await samctl(['status'], { cwd })).exitCode).toBe(0);
  });
});
