import { beforeAll, describe, expect, it } from 'vitest';
import { samctl, samctlOk, snapshotTree, tempDir } from './helpers/samctl.js';

/**
 * Bad input: exit 2, one line naming the problem (plus at most a hint line), no stack
 * trace, and every file that existed before is byte-for-byte the same afterwards.
 */
describe('bad input is refused cleanly and changes nothing', () => {
  const cwd = tempDir();
  const empty = tempDir();

  beforeAll(async () => {
    await samctlOk(['ca', 'init', '--key-size', '2048'], { cwd });
    await samctlOk(['broker', 'issue', 'sam01.ynformed.nl'], { cwd });
    await samctlOk(['client', 'issue', 'console'], { cwd });
  });

  const cases: Array<{ name: string; args: string[]; dir?: () => string; env?: Record<string, string | undefined>; stderr: RegExp }> = [
    { name: 'double dot in a host', args: ['broker', 'issue', 'sam01..ynformed.nl'], stderr: /invalid host "sam01\.\.ynformed\.nl": it has an empty label/ },
    { name: 'leading hyphen in a host', args: ['broker', 'issue', '-x.nl'], stderr: /unknown option|invalid host/ },
    { name: 'leading hyphen after --', args: ['broker', 'issue', '--', '-x.nl'], stderr: /invalid host "-x\.nl"/ },
    { name: '300-character host', args: ['broker', 'issue', `${'a'.repeat(60)}.`.repeat(5) + 'nl'], stderr: /invalid host .*characters long/ },
    { name: 'underscore in a host', args: ['broker', 'issue', 'sam_01.ynformed.nl'], stderr: /invalid host "sam_01\.ynformed\.nl"/ },
    { name: 'wildcard host', args: ['broker', 'issue', '*.ynformed.nl'], stderr: /wildcards are not issued/ },
    { name: 'bad --san', args: ['broker', 'issue', 'sam02.ynformed.nl', '--san', '10.0.0.300'], stderr: /invalid --san "10\.0\.0\.300"/ },
    { name: '--days 0', args: ['broker', 'issue', 'sam02.ynformed.nl', '--days', '0'], stderr: /invalid --days "0"/ },
    { name: '--days abc', args: ['client', 'issue', 'x', '--days', 'abc'], stderr: /invalid --days "abc"/ },
    { name: '--days -5', args: ['client', 'issue', 'x', '--days=-5'], stderr: /invalid --days "-5"/ },
    { name: '--key-size 1024', args: ['broker', 'issue', 'sam02.ynformed.nl', '--key-size', '1024'], stderr: /invalid --key-size "1024"/ },
    { name: 'ca init --key-size 1024', args: ['ca', 'init', '--force', '--key-size', '1024'], stderr: /invalid --key-size "1024"/ },
    { name: 'existing broker without --force', args: ['broker', 'issue', 'sam01.ynformed.nl'], stderr: /broker sam01\.ynformed\.nl already exists/ },
    { name: 'existing client without --force', args: ['client', 'issue', 'console'], stderr: /client console already exists/ },
    { name: 'existing CA without --force', args: ['ca', 'init'], stderr: /a CA already exists/ },
    { name: 'wrong CA passphrase', args: ['broker', 'issue', 'sam02.ynformed.nl'], env: { SAMCTL_CA_PASSWORD: 'not the passphrase' }, stderr: /wrong CA passphrase/ },
    { name: 'no passphrase and no TTY', args: ['client', 'issue', 'x'], env: { SAMCTL_CA_PASSWORD: undefined }, stderr: /no CA passphrase.*--ca-password-file.*SAMCTL_CA_PASSWORD/ },
    { name: 'missing password file', args: ['client', 'issue', 'x', '--ca-password-file', '/nonexistent/pass'], stderr: /cannot read --ca-password-file/ },
    { name: 'client name missing without a TTY', args: ['client', 'issue'], stderr: /missing client name/ },
    { name: 'client name with a slash', args: ['client', 'issue', '../escape'], stderr: /invalid client name/ },
    { name: 'same host twice', args: ['broker', 'issue', 'sam02.ynformed.nl', 'SAM02.ynformed.nl'], stderr: /given twice/ },
    { name: 'unknown option', args: ['broker', 'issue', 'sam02.ynformed.nl', '--sans', 'x'], stderr: /unknown option '--sans'/ },
    { name: 'broker issue before ca init', args: ['broker', 'issue', 'sam01.ynformed.nl'], dir: () => empty, stderr: /no CA in [\s\S]*run `samctl ca init` first/ },
    {
      name: 'ca init --backend openbao with a role_id file but no secret_id file',
      args: ['ca', 'init', '--backend', 'openbao', '--role-id-file', '/nonexistent/role-id'],
      dir: () => empty,
      env: { BAO_ADDR: 'http://127.0.0.1:9', VAULT_ADDR: undefined, SAMCTL_ENGINE_ROLE_ID_FILE: undefined, SAMCTL_ENGINE_SECRET_ID_FILE: undefined },
      stderr: /an AppRole login needs both files: no secret_id file given\nhint: .*--role-id-file and --secret-id-file/,
    },
  ];

  for (const testCase of cases) {
    it(`refuses: ${testCase.name}`, async () => {
      const dir = testCase.dir?.() ?? cwd;
      const before = snapshotTree(dir);
      const result = await samctl(testCase.args, { cwd: dir, env: testCase.env });
      expect(result.stderr).toMatch(testCase.stderr);
      expect(result.exitCode).toBe(2);
      const lines = result.stderr.trimEnd().split('\n');
      expect(lines.length).toBeLessThanOrEqual(2);
      if (lines.length === 2) expect(lines[1]).toMatch(/^(hint: |\(Did you mean)/);
      expect(result.stderr).not.toMatch(/\n\s+at |Error:/);
      expect(result.stdout).toBe('');
      expect(snapshotTree(dir)).toEqual(before);
    });
  }
});
