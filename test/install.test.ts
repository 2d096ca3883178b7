import { execa } from 'execa';
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CA_PASSWORD, tempDir, tool } from './helpers/samctl.js';

// What a new user does on a broker host or a CI runner: clone, `npm pack`, install the tarball
// globally, run `samctl`. The clone is of the committed HEAD: commit before running this file.
const REPO = new URL('..', import.meta.url).pathname;
const VERSION = (JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { version: string }).version;

// npm exports npm_* variables to scripts (npm_config_local_prefix among them): when this file runs
// under `npm test`, a child npm must not inherit them and mistake the worktree for its project.
const cleanEnv = () => Object.fromEntries(Object.entries(process.env).filter(([key]) => !/^npm_/i.test(key)));
const OFFLINE = ['--prefer-offline', '--no-audit', '--no-fund'];

async function npm(args: string[], cwd: string) {
  return execa('npm', args, { cwd, env: cleanEnv(), extendEnv: false, all: true });
}

describe('samctl installs from a packed tarball', () => {
  const work = tempDir('samctl-install-');
  const clone = join(work, 'clone');
  const prefix = join(work, 'prefix');
  const linkPrefix = join(work, 'link-prefix');
  const cwd = join(work, 'run');
  const samctlBin = join(prefix, 'bin', 'samctl');
  let tarball = '';
  let entries: string[] = [];
  let linkedVersion = '';

  const run = (args: string[]) =>
    execa(samctlBin, args, { cwd, env: { ...cleanEnv(), SAMCTL_CA_PASSWORD: CA_PASSWORD, NO_COLOR: '1' }, extendEnv: false, all: true });

  beforeAll(async () => {
    await execa('git', ['clone', '--quiet', REPO, clone]);
    expect(existsSync(join(clone, 'dist'))).toBe(false); // dist/ is not in git: pack must build it
    await npm(['ci', ...OFFLINE], clone);
    const packed = await npm(['pack', '--json', '--pack-destination', work], clone);
    const [{ filename }] = JSON.parse(packed.stdout.slice(packed.stdout.indexOf('['))) as { filename: string }[];
    tarball = join(work, filename);
    entries = (await execa('tar', ['-tzf', tarball])).stdout.split('\n').map((line) => line.replace(/^package\//, ''));
    // An empty prefix: nothing but the tarball and the registry cache to install from.
    await npm(['install', '-g', tarball, '--prefix', prefix, ...OFFLINE], work);
    // The README's other line: `npm install -g .` in the clone after `npm ci` (a link to the clone).
    await npm(['install', '-g', '.', '--prefix', linkPrefix, ...OFFLINE], clone);
    linkedVersion = (await execa(join(linkPrefix, 'bin', 'samctl'), ['--version'], { env: cleanEnv(), extendEnv: false })).stdout.trim();
    // The installed copy must not lean on the clone (its node_modules, its dist/).
    rmSync(clone, { recursive: true, force: true });
    mkdirSync(cwd);
  }, 240_000);

  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it('packs the built CLI, the launcher and the templates, and no sources, maps or tests', () => {
    expect(entries).toContain('dist/cli.js');
    expect(entries).toContain('bin/samctl.js');
    expect(entries.filter((e) => /^templates\/[^/]+\.mustache$/.test(e)).length).toBeGreaterThanOrEqual(3);
    for (const always of ['package.json', 'README.md', 'LICENSE']) expect(entries).toContain(always);
    const unexpected = entries.filter(
      (e) => !/^dist\/.+\.js$/.test(e) && !/^templates\/[^/]+\.mustache$/.test(e) && !['bin/samctl.js', 'package.json', 'README.md', 'LICENSE'].includes(e),
    );
    expect(unexpected).toEqual([]);
    expect(entries.some((e) => /^(src|test)\//.test(e) || e.endsWith('.map') || e.endsWith('.ts'))).toBe(false);
  });

  it('installs an executable samctl without TypeScript or any devDependency', () => {
    const installed = join(prefix, 'lib', 'node_modules', 'samctl');
    expect(statSync(join(installed, 'bin', 'samctl.js')).mode & 0o111).not.toBe(0);
    expect(existsSync(join(installed, 'dist', 'cli.js'))).toBe(true);
    expect(existsSync(join(installed, 'node_modules', 'typescript'))).toBe(false);
    expect(existsSync(join(installed, 'node_modules', 'vitest'))).toBe(false);
    expect(existsSync(join(installed, 'node_modules', 'commander'))).toBe(true);
  });

  it('also installs from the clone itself once `npm ci` has run there', () => {
    expect(linkedVersion).toBe(VERSION);
  });

  it('runs --version and lists its commands in --help', async () => {
    expect((await run(['--version'])).stdout.trim()).toBe(VERSION);
    const { stdout } = await run(['--help']);
    for (const command of ['ca', 'broker', 'client', 'status', 'verify', 'renew', 'probe', 'configure', 'export', 'check']) {
      expect(stdout).toMatch(new RegExp(`^\\s+${command}\\b`, 'm'));
    }
  });

  it('makes a CA and a broker identity in JKS (default) and PKCS#12 that openssl reads', async () => {
    for (const [dir, storeArgs, stores] of [
      ['pki', [], ['keystore.jks', 'truststore.jks']],
      ['pki-p12', ['--store-type', 'pkcs12'], ['keystore.p12', 'truststore.p12']],
    ] as const) {
      await run(['--dir', dir, 'ca', 'init']);
      expect(existsSync(join(cwd, dir, 'ca', 'ca.crt'))).toBe(true);
      await run(['--dir', dir, 'broker', 'issue', 'localhost', ...storeArgs]);
      const broker = join(cwd, dir, 'brokers', 'localhost');
      for (const file of [...stores, 'broker.crt', 'store.password']) expect(existsSync(join(broker, file)), `${dir}: ${file}`).toBe(true);
      const { stdout } = await tool('openssl', ['x509', '-in', join(broker, 'broker.crt'), '-noout', '-subject']);
      expect(stdout).toMatch(/CN\s*=\s*localhost/);
    }
  });

  it('runs check on a broker config made of the installed samctl\'s snippet (clean: exit 0; a foreign advertised name: exit 1)', async () => {
    const snippet = readFileSync(join(cwd, 'pki', 'brokers', 'localhost', 'server-ssl.properties'), 'utf8');
    const kraft = [
      'process.roles=broker,controller', 'node.id=1', 'controller.quorum.voters=1@localhost:9093', 'controller.listener.names=CONTROLLER',
      'listeners=SSL://:9092,CONTROLLER://localhost:9093', 'listener.security.protocol.map=SSL:SSL,CONTROLLER:PLAINTEXT',
      'advertised.listeners=SSL://localhost:9092', `log.dirs=${join(cwd, 'kraft')}`,
    ];
    writeFileSync(join(cwd, 'server.properties'), `${snippet}${kraft.join('\n')}\n`);
    const check = (file: string) => execa(samctlBin, ['check', join(cwd, file)], { cwd, env: { ...cleanEnv(), NO_COLOR: '1' }, extendEnv: false, reject: false, all: true });
    const clean = await check('server.properties');
    expect(clean.exitCode, clean.all).toBe(0);
    writeFileSync(join(cwd, 'server-other.properties'), `${snippet}${kraft.join('\n')}\nadvertised.listeners=SSL://kafka.example.com:9092\n`);
    const other = await check('server-other.properties');
    expect(other.exitCode).toBe(1);
    expect(other.stdout).toMatch(/advertised\.listeners/);
  });
});
