import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import pLimit from 'p-limit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CA_PASSWORD, samctl, samctlOk, snapshotTree, tempDir, tool } from '../helpers/samctl.js';
import { canMount, mount, umount } from './support.js';

/**
 * A corpus of bad input across every command. Each is refused with exit 1 or 2, one line on
 * stderr (plus an optional hint line), no stack trace, and every file that existed before
 * is byte-for-byte the same afterwards (and no file appears).
 */
interface Case {
  name: string;
  /** A function when the arguments name an input file it writes. */
  args: string[] | (() => string[]);
  /** A private copy of the base PKI, changed by `mutate` (paths relative to the PKI directory). */
  mutate?: (dir: string) => void;
  /** Which directory --dir points at: the base PKI (default), a mutated copy, or a special one. */
  dir?: 'base' | 'empty' | 'missing' | 'file' | 'readonly' | 'full';
  env?: Record<string, string | undefined>;
  exit: 1 | 2;
  stderr: RegExp;
  /** verify's verdict: the details on stdout, one summary line (+ hint) on stderr. */
  verdict?: boolean;
  /** A path that must not exist afterwards. */
  absent?: string;
  /** Which prepared PKI the copy is made of: the base one (default) or the one in the middle of a CA rotation. */
  from?: 'base' | 'rotating';
  /** The damaged file (relative to the PKI directory): the refusal's first line names its path. */
  damaged?: { file: string; variant: Variant };
  /** status / verify on an identity's file: a per-identity report on stdout naming the file, exit 1. */
  report?: boolean;
}

const work = tempDir('samctl-corpus-');
const base = join(work, 'base');
const foreign = join(work, 'foreign');
const rotating = join(work, 'rotating');
const inputs = join(work, 'inputs');
const MOUNTS_OK = canMount();
const mounted: string[] = [];

const input = (name: string, content: string | Buffer) => {
  mkdirSync(inputs, { recursive: true });
  writeFileSync(join(inputs, name), content);
  return join(inputs, name);
};
const file = (dir: string, rel: string, content: string | Buffer) => writeFileSync(join(dir, rel), content);
const read = (dir: string, rel: string) => readFileSync(join(dir, rel), 'utf8');
const inventoryEdit = (edit: (inv: any) => unknown) => (dir: string) => {
  const inv = JSON.parse(read(dir, 'samctl.json'));
  const out = edit(inv);
  file(dir, 'samctl.json', typeof out === 'string' ? out : JSON.stringify(out ?? inv, null, 2));
};
const BROKER = 'sam01.ynformed.nl';
const H = (host: string, ...extra: string[]): string[] => ['broker', 'issue', ...extra, '--', host];
const badHost = /invalid (host|--san) ".*": /;

const hostCases: Array<[string, string]> = [
  ['IDN without punycode', 'bücher.example'],
  ['IDN (CJK)', '例え.jp'],
  ['IDN (Cyrillic homoglyph)', 'раураl.com'],
  ['full-width letters', 'ｋａｆｋａ.example'],
  ['zero-width space', 'kafka\u200b.example'],
  ['emoji', 'kafka🙂.example'],
  ['trailing dot', 'sam01.ynformed.nl.'],
  ['only a dot', '.'],
  ['leading dot', '.sam01.ynformed.nl'],
  ['double dot', 'sam01..ynformed.nl'],
  ['underscore', 'sam_01.ynformed.nl'],
  ['SRV-style underscore labels', '_kafka._tcp.ynformed.nl'],
  ['254 characters', `${'a'.repeat(50)}.`.repeat(4) + 'a'.repeat(50)],
  ['300 characters', `${'a'.repeat(60)}.`.repeat(5) + 'nl'],
  ['64-character label', `${'a'.repeat(64)}.example`],
  ['*.*', '*.*'],
  ['wildcard', '*.ynformed.nl'],
  ['partial wildcard', 'sam*.ynformed.nl'],
  ['bare *', '*'],
  ['empty', ''],
  ['blank', '   '],
  ['space inside', 'sam 01.ynformed.nl'],
  ['tab inside', 'sam\t01.ynformed.nl'],
  ['newline inside', 'sam01\n.ynformed.nl'],
  ['semicolon', 'sam01;rm.ynformed.nl'],
  ['slash', 'sam01/x.ynformed.nl'],
  ['path traversal', '../../etc'],
  ['backslash', 'sam01\\x'],
  ['host:port', 'sam01.ynformed.nl:9092'],
  ['user@host', 'kafka@sam01.ynformed.nl'],
  ['URL', 'https://sam01.ynformed.nl'],
  ['leading hyphen', '-sam01.ynformed.nl'],
  ['trailing hyphen in a label', 'sam01-.ynformed.nl'],
  ['hyphen-led inner label', 'sam01.-ynformed.nl'],
  ['IPv4 octet 256', '256.1.1.1'],
  ['IPv4 with 3 parts', '10.0.1'],
  ['IPv4 with 5 parts', '10.0.0.1.5'],
  ['IPv4 leading zero', '010.0.0.1'],
  ['IPv4 CIDR', '10.0.0.0/24'],
  ['hex IPv4', '0x7f.0.0.1'],
  ['IPv6 double ::', '2001:db8::1::2'],
  ['IPv6 unclosed bracket', '[2001:db8::1'],
  ['IPv6 zone index', 'fe80::1%eth0'],
  ['IPv4-mapped IPv6', '::ffff:10.0.0.1'],
  ['IPv6 with 9 groups', '1:2:3:4:5:6:7:8:9'],
  ['percent-encoded', 'sam%2001.ynformed.nl'],
  ['quote', 'sam"01.ynformed.nl'],
  ['shell substitution', '$(id).ynformed.nl'],
];

const cases: Case[] = [
  ...hostCases.map(([name, host]): Case => ({ name: `host: ${name}`, args: H(host), exit: 2, stderr: badHost })),
  // --san
  { name: '--san empty', args: H('sam02.ynformed.nl', '--san', ''), exit: 2, stderr: badHost },
  { name: '--san underscore', args: H('sam02.ynformed.nl', '--san', 'bad_name'), exit: 2, stderr: badHost },
  { name: '--san wildcard', args: H('sam02.ynformed.nl', '--san', '*.ynformed.nl'), exit: 2, stderr: badHost },
  { name: '--san trailing dot', args: H('sam02.ynformed.nl', '--san', 'sam02.'), exit: 2, stderr: badHost },
  { name: '--san bad IPv4', args: H('sam02.ynformed.nl', '--san', '999.1.1.1'), exit: 2, stderr: badHost },
  { name: '--san with type prefix', args: H('sam02.ynformed.nl', '--san', 'DNS:sam02'), exit: 2, stderr: badHost },
  { name: '--san IPv6 zone', args: H('sam02.ynformed.nl', '--san', 'fe80::1%lo'), exit: 2, stderr: badHost },
  { name: '--san IDN', args: H('sam02.ynformed.nl', '--san', 'münchen.de'), exit: 2, stderr: badHost },
  { name: 'same host twice (case)', args: ['broker', 'issue', 'sam02.ynformed.nl', 'SAM02.ynformed.nl'], exit: 2, stderr: /given twice/ },
  { name: 'no host at all', args: ['broker', 'issue'], exit: 2, stderr: /missing required argument/ },
  // days
  ...['0', '-1', '36501', '99999999999999999999', '1e3', '1.5', '0x10', 'NaN', 'Infinity', '', ' ', '365d', '+5', '１２'].map(
    (days): Case => ({ name: `broker --days ${JSON.stringify(days)}`, args: H('sam02.ynformed.nl', `--days=${days}`), exit: 2, stderr: /invalid --days/ }),
  ),
  { name: 'client --days 0', args: ['client', 'issue', 'x', '--days', '0'], exit: 2, stderr: /invalid --days "0"/ },
  { name: 'ca init --days 40000', args: ['--force', 'ca', 'init', '--days', '40000'], exit: 2, stderr: /invalid --days "40000"/ },
  { name: 'renew --days -3', args: ['renew', BROKER, '--days=-3'], exit: 2, stderr: /invalid --days "-3"/ },
  { name: 'validity past year 9999', args: ['client', 'issue', 'far', '--days', '36500'], env: { SAMCTL_NOW: '9990-01-01T00:00:00Z' }, exit: 2, stderr: /cannot be encoded/ },
  { name: 'SAMCTL_NOW garbage', args: ['client', 'issue', 'x'], env: { SAMCTL_NOW: 'yesterday' }, exit: 2, stderr: /invalid SAMCTL_NOW/ },
  // key sizes
  ...['1024', '512', '0', '-2048', '2047', '8192', '16384', 'abc', '', '0x800', '2048e0', '2e3'].map(
    (size): Case => ({ name: `--key-size ${JSON.stringify(size)}`, args: H('sam02.ynformed.nl', `--key-size=${size}`), exit: 2, stderr: /invalid --key-size/ }),
  ),
  { name: 'ca init --key-size 1024', args: ['--force', 'ca', 'init', '--key-size', '1024'], exit: 2, stderr: /invalid --key-size "1024"/ },
  { name: 'client --key-size 0x800', args: ['client', 'issue', 'x', '--key-size', '0x800'], exit: 2, stderr: /invalid --key-size/ },
  // store types
  ...['p12', 'pfx', 'jceks', 'bks', ''].map((type): Case => ({ name: `--store-type ${JSON.stringify(type)}`, args: H('sam02.ynformed.nl', `--store-type=${type}`), exit: 2, stderr: /invalid --store-type/ })),
  // client names and DN values
  ...['', '.', '..', '.hidden', 'a/b', '../escape', 'a\\b', 'x'.repeat(65), 'with space', 'naïve', 'a..b', '-dash'].map(
    (name): Case => ({ name: `client name ${JSON.stringify(name.slice(0, 20))}`, args: ['client', 'issue', '--', name], exit: 2, stderr: /invalid client name/ }),
  ),
  { name: 'client --cn empty', args: ['client', 'issue', 'x', '--cn', ''], exit: 2, stderr: /invalid --cn/ },
  { name: 'client --cn 65 chars', args: ['client', 'issue', 'x', '--cn', 'c'.repeat(65)], exit: 2, stderr: /invalid --cn/ },
  { name: 'client --ou with a newline', args: ['client', 'issue', 'x', '--ou', 'data\nteam'], exit: 2, stderr: /invalid --ou/ },
  { name: 'ca init --org control char', args: ['--force', 'ca', 'init', '--org', 'Yn\x07formed'], exit: 2, stderr: /invalid --org/ },
  { name: 'ca init --cn blank', args: ['--force', 'ca', 'init', '--cn', '  '], exit: 2, stderr: /invalid --cn/ },
  // several clients in one call (issue 12): options naming one identity, duplicates, one bad name among good ones
  { name: 'client name twice', args: ['client', 'issue', 'a', 'a'], exit: 2, stderr: /^samctl: client a is given twice\nhint: / },
  { name: 'client name twice among others', args: ['client', 'issue', 'a', 'b', 'c', 'b'], exit: 2, stderr: /client b is given twice/ },
  { name: 'client --cn with two names', args: ['client', 'issue', 'a', 'b', '--cn', 'shared'], exit: 2, stderr: /^samctl: --cn names one identity, but 2 clients are given\nhint: / },
  { name: 'client --cn with three names (before the names are checked)', args: ['client', 'issue', 'a', 'b/c', '..', '--cn', 'x'], exit: 2, stderr: /--cn names one identity, but 3 clients are given/ },
  { name: 'client: one bad name among good ones', args: ['client', 'issue', 'good-one', 'bad name', 'good-two'], exit: 2, stderr: /invalid client name "bad name"/ },
  { name: 'client: one existing name among new ones', args: ['client', 'issue', 'new-one', 'console', 'new-two'], exit: 2, stderr: /client console already exists/ },
  { name: 'client: bad --ou with several names', args: ['client', 'issue', 'a', 'b', '--ou', ''], exit: 2, stderr: /invalid --ou/ },
  { name: 'client: --days past the CA with several names', args: ['client', 'issue', 'a', 'b', '--days', '36500'], exit: 2, stderr: /would outlive the CA/ },
  // thresholds and renew/verify usage
  ...['0%', '100%', 'abc', '', '-1d', '1000000d', '30 d', '30w'].map((within): Case => ({ name: `status --within ${JSON.stringify(within)}`, args: ['status', `--within=${within}`], exit: 2, stderr: /invalid --within/ })),
  { name: 'renew --within 0%', args: ['renew', '--within', '0%'], exit: 2, stderr: /invalid --within/ },
  { name: 'renew --rekey (removed: a new key is the default)', args: ['renew', BROKER, '--keep-key', '--rekey'], exit: 2, stderr: /unknown option '--rekey'/ },
  { name: 'renew an unknown name', args: ['renew', 'nobody'], exit: 2, stderr: /no identity named nobody/ },
  // install dirs and secrets mode (issue 10)
  ...(
    [
      ['relative', 'ssl', /is not an absolute path/],
      ['the root', '/', /is the file system root/],
      ['a colon (breaks ${file:…})', '/ssl:x', /contains one of : \{ \} \$/],
      ['a brace', '/ssl/}x', /contains one of : \{ \} \$/],
      ['a newline', '/ssl\nx', /contains control characters/],
    ] as Array<[string, string, RegExp]>
  ).flatMap(([what, dir, stderr]): Case[] => [
    { name: `broker issue --install-dir ${what}`, args: ['broker', 'issue', 'sam09.ynformed.nl', '--install-dir', dir], exit: 2, stderr },
    { name: `client issue --install-dir ${what}`, args: ['client', 'issue', 'newclient', '--install-dir', dir], exit: 2, stderr },
  ]),
  { name: 'configure --install-dir relative', args: ['configure', BROKER, '--install-dir', 'ssl'], exit: 2, stderr: /invalid --install-dir "ssl": it is not an absolute path/ },
  { name: 'broker issue --secrets vault', args: ['broker', 'issue', 'sam09.ynformed.nl', '--secrets', 'vault'], exit: 2, stderr: /invalid --secrets "vault"/ },
  { name: 'configure --secrets nope', args: ['configure', BROKER, '--secrets', 'nope'], exit: 2, stderr: /invalid --secrets "nope"/ },
  { name: 'client issue --sasl plain (unknown mechanism)', args: ['client', 'issue', 'sasl-user', '--sasl', 'plain'], exit: 2, stderr: /unknown --sasl mechanism "plain"/ },
  { name: 'broker issue --sasl gssapi without --keytab', args: ['broker', 'issue', 'sam09.ynformed.nl', '--sasl', 'gssapi'], exit: 2, stderr: /--sasl gssapi needs --keytab <file>/ },
  { name: 'broker issue --sasl gssapi,gssapi', args: ['broker', 'issue', 'sam09.ynformed.nl', '--sasl', 'gssapi,gssapi'], exit: 2, stderr: /--sasl names gssapi twice/ },
  { name: 'client issue --sasl gssapi,scram-sha-512 (one mechanism per client)', args: ['client', 'issue', 'sasl-user', '--sasl', 'gssapi,scram-sha-512'], exit: 2, stderr: /unknown --sasl mechanism "gssapi,scram-sha-512"/ },
  { name: 'client issue --kerberos-principal without --sasl gssapi', args: ['client', 'issue', 'sasl-user', '--kerberos-principal', 'a@B'], exit: 2, stderr: /--kerberos-principal needs --sasl gssapi/ },
  { name: 'broker issue --sasl-port without --sasl', args: ['broker', 'issue', 'sam09.ynformed.nl', '--sasl-port', '9093'], exit: 2, stderr: /--sasl-port needs --sasl/ },
  { name: 'broker issue --sasl-port 70000', args: ['broker', 'issue', 'sam09.ynformed.nl', '--sasl', 'scram-sha-512', '--sasl-port', '70000'], exit: 2, stderr: /invalid --sasl-port "70000"/ },
  { name: 'scram an unknown client', args: ['scram', 'nobody', '--format-arg'], exit: 2, stderr: /no client identity named nobody/ },
  { name: 'scram a client issued without --sasl', args: ['scram', 'console', '--format-arg'], exit: 2, stderr: /client console is not a SASL user/ },
  { name: 'scram --register without --bootstrap', args: ['scram', 'console', '--register', '--client', 'console'], exit: 2, stderr: /--register needs --bootstrap and --client/ },
  { name: 'inventory: gssapi without its Kerberos principal', args: ['status'], mutate: inventoryEdit((inv) => { inv.identities[0].sasl = { mechanism: 'gssapi' }; }), exit: 1, stderr: /has sasl settings samctl does not know/ },
  { name: 'inventory: unknown sasl mechanism', args: ['status'], mutate: inventoryEdit((inv) => { inv.identities[0].sasl = { mechanism: 'plain' }; }), exit: 1, stderr: /has sasl settings samctl does not know/ },
  { name: 'configure an unknown name', args: ['configure', 'nobody', '--secrets', 'inline'], exit: 2, stderr: /no identity named nobody/ },
  { name: 'configure with nothing to change', args: ['configure', BROKER], exit: 2, stderr: /nothing to change/ },
  { name: 'export an unknown name', args: ['export', 'nobody'], exit: 2, stderr: /nobody/ },
  { name: 'check a file that does not exist', args: ['check', '/nonexistent/server.properties'], exit: 2, stderr: /server\.properties/ },
  { name: 'verify an unknown name', args: ['verify', 'nobody'], exit: 2, stderr: /no identity named nobody/ },
  // samctl acl (issue 11): refused before anything is printed or any broker is contacted
  { name: 'acl for an unknown client', args: ['acl', 'nobody', '--produce', 'prediction'], exit: 2, stderr: /no client named nobody/ },
  { name: 'revoke an unknown identity', args: ['revoke', 'nobody'], exit: 2, stderr: /no identity named nobody/ },
  {
    name: 'revoke an identity revoked already',
    args: ['revoke', 'console'],
    mutate: inventoryEdit((inv) => {
      for (const record of inv.identities) if (record.name === 'console' && record.status === 'active') Object.assign(record, { status: 'revoked', revokedAt: '2026-01-01T00:00:00.000Z' });
    }),
    exit: 2,
    stderr: /client console is revoked already/,
  },
  { name: 'revoke --reason unknown', args: ['revoke', 'console', '--reason', 'lostIt'], exit: 2, stderr: /invalid --reason "lostIt"/ },
  { name: 'revoke --apply without --bootstrap', args: ['revoke', 'console', '--apply'], exit: 2, stderr: /--apply needs --bootstrap/ },
  { name: 'acl for a broker', args: ['acl', BROKER, '--produce', 'prediction'], exit: 2, stderr: /is a broker: brokers are super users/ },
  { name: 'acl --consume without --group', args: ['acl', 'console', '--consume', 'sensordata'], exit: 2, stderr: /--consume needs --group/ },
  { name: 'acl --group without --consume', args: ['acl', 'console', '--produce', 'prediction', '--group', 'g'], exit: 2, stderr: /--group without --consume/ },
  ...(
    [
      ['empty', '', /is empty/],
      ['.', '.', /"\." or "\.\."/],
      ['..', '..', /"\." or "\.\."/],
      ['250 characters', 't'.repeat(250), /at most 249/],
      ['a space', 'sensor data', /only ASCII letters/],
      ['a slash', 'sensor/data', /only ASCII letters/],
      ['non-ASCII', 'sensördata', /only ASCII letters/],
      ['the wildcard', '*', /only ASCII letters/],
      ['a colon', 'sensor:data', /only ASCII letters/],
    ] as Array<[string, string, RegExp]>
  ).flatMap(([what, topic, why]): Case[] => [
    { name: `acl --produce topic: ${what}`, args: ['acl', 'console', `--produce=${topic}`], exit: 2, stderr: new RegExp(`invalid --produce ".*": .*${why.source}`) },
    { name: `acl --consume topic: ${what}`, args: ['acl', 'console', `--consume=${topic}`, '--group', 'g'], exit: 2, stderr: new RegExp(`invalid --consume ".*": .*${why.source}`) },
  ]),
  { name: 'acl --group *', args: ['acl', 'console', '--consume', 'sensordata', '--group', '*'], exit: 2, stderr: /invalid --group "\*": "\*" is the wildcard/ },
  { name: 'acl --transactional-id with a newline', args: ['acl', 'console', '--transactional-id', 'tx\n1'], exit: 2, stderr: /invalid --transactional-id "tx\?1": it contains control characters/ },
  { name: 'acl --prefixed without names', args: ['acl', 'console', '--prefixed'], exit: 2, stderr: /--prefixed without names/ },
  { name: 'acl with nothing asked or applied', args: ['acl', 'console'], exit: 2, stderr: /nothing asked for console/ },
  { name: 'acl --apply without --bootstrap', args: ['acl', 'console', '--produce', 'prediction', '--apply'], exit: 2, stderr: /--apply needs --bootstrap/ },
  { name: 'acl --check without --bootstrap', args: ['acl', 'console', '--produce', 'prediction', '--check'], exit: 2, stderr: /--check needs --bootstrap/ },
  { name: 'acl --apply and --check', args: ['acl', 'console', '--produce', 'prediction', '--apply', '--check', '--bootstrap', '127.0.0.1:1'], exit: 2, stderr: /--apply and --check together/ },
  { name: 'acl --bootstrap without a port', args: ['acl', 'console', '--produce', 'prediction', '--apply', '--bootstrap', 'sam01.ynformed.nl'], exit: 2, stderr: /invalid --bootstrap "sam01\.ynformed\.nl": use host:port/ },
  { name: 'acl --bootstrap port 0', args: ['acl', 'console', '--produce', 'prediction', '--check', '--bootstrap', '127.0.0.1:0'], exit: 2, stderr: /invalid --bootstrap/ },
  { name: 'acl --apply with no admin identity in the PKI', args: ['acl', 'console', '--produce', 'prediction', '--apply', '--bootstrap', '127.0.0.1:1'], exit: 2, stderr: /no admin identity/ },
  { name: 'acl --admin that is no admin', args: ['acl', 'console', '--produce', 'prediction', '--apply', '--bootstrap', '127.0.0.1:1', '--admin', 'console'], exit: 2, stderr: /console was not issued with --admin/ },
  { name: 'acl --admin unknown', args: ['acl', 'console', '--produce', 'prediction', '--check', '--bootstrap', '127.0.0.1:1', '--admin', 'nobody'], exit: 2, stderr: /no client named nobody for --admin/ },
  { name: 'client issue --admin with ; in the CN', args: ['client', 'issue', 'semi', '--admin', '--cn', 'ops;eu'], exit: 2, stderr: /Kafka's super\.users cannot hold a principal with ';'/ },
  { name: 'unknown command', args: ['brokr', 'issue', 'x'], exit: 2, stderr: /unknown command/ },
  { name: 'unknown option', args: ['status', '--colour'], exit: 2, stderr: /unknown option/ },
  { name: 'existing broker without --force', args: ['broker', 'issue', BROKER], exit: 2, stderr: /already exists/ },
  { name: 'existing CA without --force', args: ['ca', 'init'], exit: 2, stderr: /a CA already exists/ },
  // passphrases
  { name: 'empty passphrase file', args: () => ['client', 'issue', 'x', '--ca-password-file', input('empty.pass', '')], exit: 2, stderr: /is empty/ },
  { name: 'passphrase file with only a newline', args: () => ['client', 'issue', 'x', '--ca-password-file', input('nl.pass', '\n')], exit: 2, stderr: /is empty/ },
  { name: 'binary passphrase file', args: () => ['client', 'issue', 'x', '--ca-password-file', input('bin.pass', Buffer.from([0x70, 0, 0xff, 0x10, 0x0a]))], exit: 2, stderr: /is not text/ },
  { name: 'latin-1 passphrase file', args: () => ['client', 'issue', 'x', '--ca-password-file', input('latin1.pass', Buffer.from('caf\xe9 p\xe4ss\n', 'latin1'))], exit: 2, stderr: /is not text/ },
  { name: 'passphrase file is a directory', args: () => ['client', 'issue', 'x', '--ca-password-file', inputs], exit: 2, stderr: /cannot read --ca-password-file/ },
  { name: 'passphrase file missing', args: ['client', 'issue', 'x', '--ca-password-file', '/nonexistent/ca.pass'], exit: 2, stderr: /cannot read --ca-password-file/ },
  { name: 'wrong passphrase in a file', args: () => ['client', 'issue', 'x', '--ca-password-file', input('wrong.pass', 'not the passphrase\n')], env: { SAMCTL_CA_PASSWORD: undefined }, exit: 2, stderr: /wrong CA passphrase/ },
  { name: 'ca init: 7-character passphrase', args: ['ca', 'init'], dir: 'empty', env: { SAMCTL_CA_PASSWORD: 'short12' }, exit: 2, stderr: /too short/ },
  { name: 'ca init: empty passphrase file', args: () => ['ca', 'init', '--ca-password-file', input('empty2.pass', '')], dir: 'empty', exit: 2, stderr: /is empty/ },
  { name: 'ca init: binary passphrase file', args: () => ['ca', 'init', '--ca-password-file', input('bin2.pass', Buffer.from([1, 2, 0, 3]))], dir: 'empty', exit: 2, stderr: /is not text/ },
  { name: 'no passphrase, no TTY', args: ['client', 'issue', 'x'], env: { SAMCTL_CA_PASSWORD: '' }, exit: 2, stderr: /no CA passphrase/ },
  { name: 'wrong passphrase', args: ['client', 'issue', 'x'], env: { SAMCTL_CA_PASSWORD: 'not the passphrase' }, exit: 2, stderr: /wrong CA passphrase/ },
  // the CA key
  { name: 'CA key truncated', args: ['client', 'issue', 'x'], mutate: (d) => file(d, 'ca/ca.key', read(d, 'ca/ca.key').slice(0, 700)), exit: 1, stderr: /ca\.key is truncated \(no END line\)/ },
  { name: 'CA key truncated at a line', args: ['client', 'issue', 'x'], mutate: (d) => file(d, 'ca/ca.key', read(d, 'ca/ca.key').split('\n').slice(0, 8).join('\n') + '\n-----END ENCRYPTED PRIVATE KEY-----\n'), exit: 1, stderr: /ca\.key is damaged/ },
  { name: 'CA key garbage', args: ['client', 'issue', 'x'], mutate: (d) => file(d, 'ca/ca.key', Buffer.from(Array.from({ length: 900 }, (_, i) => (i * 37) % 256))), exit: 1, stderr: /ca\.key is not a PEM private key/ },
  { name: 'CA key empty', args: ['client', 'issue', 'x'], mutate: (d) => file(d, 'ca/ca.key', ''), exit: 1, stderr: /ca\.key is empty/ },
  { name: 'CA key PKCS#1 unencrypted', args: ['client', 'issue', 'x'], mutate: (d) => file(d, 'ca/ca.key', read(work, 'pkcs1.key')), exit: 1, stderr: /ca\.key is not encrypted/ },
  { name: 'CA key PKCS#8 unencrypted', args: ['client', 'issue', 'x'], mutate: (d) => file(d, 'ca/ca.key', read(work, 'pkcs8.key')), exit: 1, stderr: /ca\.key is not encrypted/ },
  { name: 'CA key legacy encrypted PEM', args: ['client', 'issue', 'x'], mutate: (d) => file(d, 'ca/ca.key', read(work, 'legacy.key')), exit: 1, stderr: /ca\.key is in the legacy OpenSSL encrypted format/ },
  { name: 'CA key of a foreign CA', args: ['client', 'issue', 'x'], mutate: (d) => file(d, 'ca/ca.key', read(foreign, 'ca/ca.key')), exit: 1, stderr: /ca\.key (does not belong|is damaged)/ },
  { name: 'CA key ciphertext damaged (last block)', args: ['client', 'issue', 'x'], mutate: (d) => flipKeyByte(d, 3), exit: 1, stderr: /ca\.key is damaged/ },
  { name: 'CA key is a directory', args: ['client', 'issue', 'x'], mutate: (d) => { execFileSync('rm', [join(d, 'ca/ca.key')]); mkdirSync(join(d, 'ca/ca.key')); }, exit: 1, stderr: /ca\.key/ },
  { name: 'CA key missing', args: ['client', 'issue', 'x'], mutate: (d) => execFileSync('rm', [join(d, 'ca/ca.key')]), exit: 1, stderr: /ca\/ca\.key is missing\nhint: restore it from .*backups\/ca-\*\// },
  // the CA certificate
  { name: 'CA cert is a leaf, not a CA', args: ['client', 'issue', 'x'], mutate: (d) => file(d, 'ca/ca.crt', read(d, `brokers/${BROKER}/broker.crt`).split(/(?<=-----END CERTIFICATE-----\n)/)[0]), exit: 1, stderr: /is not a CA certificate/ },
  { name: 'CA cert of a foreign CA', args: ['client', 'issue', 'x'], mutate: (d) => file(d, 'ca/ca.crt', read(foreign, 'ca/ca.crt')), exit: 1, stderr: /does not belong to/ },
  { name: 'CA cert garbage', args: ['client', 'issue', 'x'], mutate: (d) => file(d, 'ca/ca.crt', 'hello\n'), exit: 1, stderr: /ca\.crt is not a PEM certificate \(no "-----BEGIN CERTIFICATE-----" line\)/ },
  { name: 'CA cert empty', args: ['broker', 'issue', 'sam09.ynformed.nl'], mutate: (d) => file(d, 'ca/ca.crt', ''), exit: 1, stderr: /ca\.crt is empty/ },
  // identities on disk (verify's verdict)
  { name: 'keystore with the wrong password', args: ['verify'], mutate: (d) => file(d, `brokers/${BROKER}/store.password`, 'WrongPassword123456789\n'), exit: 1, stderr: /^samctl: 1 of \d+ identities failed verification: broker /, verdict: true },
  { name: 'keystore garbage', args: ['verify', BROKER], mutate: (d) => file(d, `brokers/${BROKER}/keystore.jks`, 'garbage'), exit: 1, stderr: /^samctl: 1 of \d+ identities failed verification: broker /, verdict: true },
  { name: 'broker key of another identity', args: ['verify', BROKER], mutate: (d) => file(d, `brokers/${BROKER}/broker.key`, read(d, 'clients/console/client.key')), exit: 1, stderr: /^samctl: 1 of \d+ identities failed verification: broker /, verdict: true },
  // a hand-edited inventory
  { name: 'inventory: trailing comma', args: ['status'], mutate: (d) => file(d, 'samctl.json', read(d, 'samctl.json').replace(/\n}\n$/, ',\n}\n')), exit: 1, stderr: /is not a valid samctl inventory/ },
  { name: 'inventory: empty', args: ['verify'], mutate: (d) => file(d, 'samctl.json', ''), exit: 1, stderr: /is not a valid samctl inventory/ },
  { name: 'inventory: null', args: ['renew', '--all'], mutate: (d) => file(d, 'samctl.json', 'null'), exit: 1, stderr: /is not a valid samctl inventory/ },
  { name: 'inventory: a list', args: ['client', 'issue', 'x'], mutate: (d) => file(d, 'samctl.json', '[]'), exit: 1, stderr: /is not a valid samctl inventory/ },
  { name: 'inventory: from a newer samctl', args: ['status'], mutate: inventoryEdit((inv) => ({ ...inv, version: 3 })), exit: 1, stderr: /was written by a newer samctl \(inventory version 3; this samctl knows up to 2\)/ },
  { name: 'inventory: version 0', args: ['status'], mutate: inventoryEdit((inv) => ({ ...inv, version: 0 })), exit: 1, stderr: /is not a valid samctl inventory: missing "version"/ },
  { name: 'inventory: identities not a list', args: ['status'], mutate: inventoryEdit((inv) => ({ ...inv, identities: {} })), exit: 1, stderr: /is not a valid samctl inventory/ },
  { name: 'inventory: identity without serial', args: ['verify'], mutate: inventoryEdit((inv) => { delete inv.identities[0].serial; }), exit: 1, stderr: /is not a valid samctl inventory/ },
  { name: 'inventory: unknown kind', args: ['status'], mutate: inventoryEdit((inv) => { inv.identities[0].kind = 'admin'; }), exit: 1, stderr: /is not a valid samctl inventory/ },
  { name: 'inventory: binary garbage', args: ['status'], mutate: (d) => file(d, 'samctl.json', Buffer.from([0xff, 0xfe, 0, 1, 2])), exit: 1, stderr: /is not a valid samctl inventory/ },
  {
    name: 'inventory: a name that escapes the PKI directory (renew --all)',
    args: ['renew', '--all'],
    mutate: inventoryEdit((inv) => { inv.identities[1].name = '../../escaped'; inv.identities[1].dir = 'clients/../../escaped'; }),
    exit: 1,
    stderr: /is not a valid samctl inventory.*outside/,
    absent: 'escaped',
  },
  { name: 'inventory: dir elsewhere than its name', args: ['verify'], mutate: inventoryEdit((inv) => { inv.identities[0].dir = '/etc'; }), exit: 1, stderr: /is not a valid samctl inventory/ },
  // the PKI directory itself
  ...['status', 'verify', 'renew --all', 'broker issue sam09.ynformed.nl', 'client issue x'].map(
    (command): Case => ({ name: `missing --dir: ${command}`, args: command.split(' '), dir: 'missing', exit: 2, stderr: /no (samctl inventory|CA) in/ }),
  ),
  { name: '--dir is a file: status', args: ['status'], dir: 'file', exit: 2, stderr: /no samctl inventory/ },
  { name: '--dir is a file: client issue', args: ['client', 'issue', 'x'], dir: 'file', exit: 2, stderr: /no CA in/ },
  ...['client issue x', 'broker issue sam09.ynformed.nl', 'renew --all', 'ca init --force --key-size 2048'].map(
    (command): Case => ({ name: `read-only --dir: ${command}`, args: command.split(' '), dir: 'readonly', exit: 1, stderr: /read-only file system/ }),
  ),
  { name: 'full disk: broker issue', args: ['broker', 'issue', 'sam09.ynformed.nl', 'sam10.ynformed.nl'], dir: 'full', exit: 1, stderr: /no space left on device/ },
  { name: 'full disk: client issue', args: ['client', 'issue', 'x', '--store-type', 'pem'], dir: 'full', exit: 1, stderr: /no space left on device/ },
];

/**
 * Damaged files: every kind of file samctl reads, damaged four ways, through every command
 * family that reads it, in a PKI in the middle of a CA rotation (so ca/ca-1.crt exists) with a
 * JKS broker, a PKCS#12 client (console) and a PEM client (pemc). The variants:
 *   G garbage (binary bytes)   E empty   T truncated (the first half of the real file)
 *   W the wrong kind of file (named per row below)
 * The whole product is ~220 runs (about 2 minutes on 2 cores); this sample (two variants a
 * cell, 100 runs, ~40 s) gives every file kind every command family that reads it, and every variant:
 *
 *                                  issue status verify renew rotate retire probe  W is
 *   ca/ca.crt                      GT    EW     GW     ET    GE     TW     ·      the CA key
 *   ca/ca.key                      EW    ·      ·      GT    TW     GE     ·      the CA certificate
 *   ca/ca-1.crt (rotation)         GW    ·¹     ET     GE    TW     ·¹     ·      the broker's certificate (no CA)
 *   ca/truststore.password         ET    ·      ·      GW    GE     TW     ·      the CA certificate
 *   brokers/…/broker.crt           ·     GE     TW     GW    ·      ·      ·      the broker's key
 *   clients/pemc/client.crt        ·     TW     GE     ET    ·      ·      GW     the CA certificate
 *   brokers/…/broker.key           ·     GT     EW     GE²   ·      ·      ·      the broker's certificate
 *   clients/pemc/client.key        ·     EW     GT     TW²   ·      ·      GE     the encrypted CA key
 *   brokers/…/keystore.jks         ·     GW     ET     ·     ·      ·      ·      console's keystore.p12
 *   clients/console/keystore.p12   ·     ET     GW     ·     ·      ·      ·      the broker's keystore.jks
 *   clients/pemc/keystore.pem      ·     GE     TW     ·     ·      ·      ·      client.crt (no key)
 *   brokers/…/store.password       ·     EW     GT     TW    ·      ·      ·      the CA certificate
 *   clients/console/store.password ·     GT     EW     GE    ·      ·      ·      the CA certificate
 *   samctl.json                    GW    ET     GT     EW    GE     TW     ·      the CA certificate
 *
 *   ·  does not read the file: issue never reads an identity's files (--force replaces them),
 *      renew rebuilds the keystore, probe reads only the client's PEM key, certificate and ca.crt
 *   ¹  status shows the active CA only; retire drops ca-<n>.crt without reading it
 *   ²  renew --keep-key: without it renew makes a new key and never reads the old one
 * Issue alternates between `broker issue` and `client issue`; status and verify on an
 * identity's file report per identity (exit 1, the file named on stdout) instead of refusing.
 */
type Variant = 'G' | 'E' | 'T' | 'W';
type Family = 'issue' | 'status' | 'verify' | 'renew' | 'rotate' | 'retire' | 'probe';
interface DamagedKind {
  file: string;
  /** The identity the file belongs to (renew and probe name it). */
  owner?: string;
  wrong: (dir: string) => Buffer;
  sample: Partial<Record<Family, string>>;
  keepKey?: boolean;
}
const P12_CLIENT = 'console';
const PEM_CLIENT = 'pemc';
const bytes = (dir: string, rel: string) => readFileSync(join(dir, rel));
const B = `brokers/${BROKER}`;
const damagedKinds: DamagedKind[] = [
  { file: 'ca/ca.crt', wrong: (d) => bytes(d, 'ca/ca.key'), sample: { issue: 'GT', status: 'EW', verify: 'GW', renew: 'ET', rotate: 'GE', retire: 'TW' } },
  { file: 'ca/ca.key', wrong: (d) => bytes(d, 'ca/ca.crt'), sample: { issue: 'EW', renew: 'GT', rotate: 'TW', retire: 'GE' } },
  { file: 'ca/ca-1.crt', wrong: (d) => bytes(d, `${B}/broker.crt`), sample: { issue: 'GW', verify: 'ET', renew: 'GE', rotate: 'TW' } },
  { file: 'ca/truststore.password', wrong: (d) => bytes(d, 'ca/ca.crt'), sample: { issue: 'ET', renew: 'GW', rotate: 'GE', retire: 'TW' } },
  { file: `${B}/broker.crt`, owner: BROKER, wrong: (d) => bytes(d, `${B}/broker.key`), sample: { status: 'GE', verify: 'TW', renew: 'GW' } },
  { file: `clients/${PEM_CLIENT}/client.crt`, owner: PEM_CLIENT, wrong: (d) => bytes(d, 'ca/ca.crt'), sample: { status: 'TW', verify: 'GE', renew: 'ET', probe: 'GW' } },
  { file: `${B}/broker.key`, owner: BROKER, keepKey: true, wrong: (d) => bytes(d, `${B}/broker.crt`), sample: { status: 'GT', verify: 'EW', renew: 'GE' } },
  { file: `clients/${PEM_CLIENT}/client.key`, owner: PEM_CLIENT, keepKey: true, wrong: (d) => bytes(d, 'ca/ca.key'), sample: { status: 'EW', verify: 'GT', renew: 'TW', probe: 'GE' } },
  { file: `${B}/keystore.jks`, owner: BROKER, wrong: (d) => bytes(d, `clients/${P12_CLIENT}/keystore.p12`), sample: { status: 'GW', verify: 'ET' } },
  { file: `clients/${P12_CLIENT}/keystore.p12`, owner: P12_CLIENT, wrong: (d) => bytes(d, `${B}/keystore.jks`), sample: { status: 'ET', verify: 'GW' } },
  { file: `clients/${PEM_CLIENT}/keystore.pem`, owner: PEM_CLIENT, wrong: (d) => bytes(d, `clients/${PEM_CLIENT}/client.crt`), sample: { status: 'GE', verify: 'TW' } },
  { file: `${B}/store.password`, owner: BROKER, wrong: (d) => bytes(d, 'ca/ca.crt'), sample: { status: 'EW', verify: 'GT', renew: 'TW' } },
  { file: `clients/${P12_CLIENT}/store.password`, owner: P12_CLIENT, wrong: (d) => bytes(d, 'ca/ca.crt'), sample: { status: 'GT', verify: 'EW', renew: 'GE' } },
  { file: 'samctl.json', wrong: (d) => bytes(d, 'ca/ca.crt'), sample: { issue: 'GW', status: 'ET', verify: 'GT', renew: 'EW', rotate: 'GE', retire: 'TW' } },
];
const GARBAGE = Buffer.from(Array.from({ length: 900 }, (_, i) => (i * 37 + 11) % 256));
const damage: Record<Variant, { label: string; make: (dir: string, kind: DamagedKind) => Buffer }> = {
  G: { label: 'garbage', make: () => GARBAGE },
  E: { label: 'empty', make: () => Buffer.alloc(0) },
  T: { label: 'truncated', make: (d, kind) => bytes(d, kind.file).subarray(0, Math.floor(bytes(d, kind.file).length / 2)) },
  W: { label: 'wrong kind', make: (d, kind) => kind.wrong(d) },
};
/** What the line naming the damaged file says is wrong with it. */
const WHAT: Record<Variant, RegExp> = {
  G: /binary data|is damaged: keytool cannot read it/,
  E: /is empty/,
  T: /is truncated \(no END line\)|keytool cannot read it \(the file ends too early\)|has 16 characters where samctl writes 32|does not open with store\.password|inventory: Unterminated string/,
  W: /holds an? [A-Z ]+, not|holds a CA certificate|is not a CA certificate|has no private key|does not open with store\.password|holds a PEM CERTIFICATE, not JSON/,
};
/** A hint that names a fix: restore the file, or the exact command that replaces it. */
const FIX = /^hint: .*(restore it from|`samctl renew \S+`|`samctl (broker|client) issue \S+.* --force`)/;

function damagedFileCases(): Case[] {
  const out: Case[] = [];
  for (const kind of damagedKinds) {
    for (const [family, variants] of Object.entries(kind.sample) as Array<[Family, string]>) {
      for (const variant of variants.split('') as Variant[]) {
        const issue = out.length % 2 === 0 ? ['broker', 'issue', 'sam09.ynformed.nl'] : ['client', 'issue', 'x'];
        const args: Record<Family, string[]> = {
          issue,
          status: ['status'],
          verify: ['verify'],
          renew: kind.owner ? ['renew', ...(kind.keepKey ? ['--keep-key'] : []), kind.owner] : ['renew', '--all'],
          rotate: ['ca', 'rotate', '--key-size', '2048'],
          retire: ['ca', 'retire'],
          probe: ['probe', '127.0.0.1:1', '--client', kind.owner ?? PEM_CLIENT],
        };
        const report = Boolean(kind.owner) && (family === 'status' || family === 'verify');
        out.push({
          name: `damaged ${kind.file} (${damage[variant].label}): ${args[family].join(' ')}`,
          args: args[family],
          from: 'rotating',
          mutate: (d) => writeFileSync(join(d, kind.file), damage[variant].make(d, kind)),
          damaged: { file: kind.file, variant },
          report,
          exit: 1,
          stderr: report ? /^/ : WHAT[variant],
        });
      }
    }
  }
  return out;
}

const damagedCases = damagedFileCases();
cases.push(...damagedCases);

function flipKeyByte(dir: string, offsetFromEnd: number): void {
  const lines = read(dir, 'ca/ca.key').trim().split('\n');
  const der = Buffer.from(lines.slice(1, -1).join(''), 'base64');
  der[der.length - offsetFromEnd] ^= 0x5a;
  file(dir, 'ca/ca.key', `${lines[0]}\n${der.toString('base64').replace(/.{1,64}/g, '$&\n')}${lines.at(-1)}\n`);
}

let copies = 0;
function prepareDir(testCase: Case): string | undefined {
  const kind = testCase.dir ?? 'base';
  const fresh = () => {
    const dir = join(work, `copy-${++copies}`);
    cpSync(testCase.from === 'rotating' ? rotating : base, dir, { recursive: true });
    return dir;
  };
  switch (kind) {
    case 'empty':
      return join(tempDir('samctl-corpus-empty-'), 'pki');
    case 'missing':
      return join(work, 'does', 'not', 'exist');
    case 'file':
      return input('not-a-dir', 'plain file\n');
    case 'readonly': {
      if (!MOUNTS_OK) return undefined;
      const dir = fresh();
      mount(['--bind', dir, dir]);
      mount(['-o', 'remount,ro,bind', dir]);
      mounted.push(dir);
      return dir;
    }
    case 'full': {
      if (!MOUNTS_OK) return undefined;
      const dir = join(work, `full-${++copies}`);
      mkdirSync(dir);
      mount(['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', dir]);
      mounted.push(dir);
      cpSync(base, dir, { recursive: true });
      // fill what is left; the filler is one of the files that must stay as it is
      try {
        execFileSync('dd', ['if=/dev/zero', `of=${join(dir, 'filler')}`, 'bs=4k'], { stdio: 'ignore' });
      } catch {
        // ENOSPC ends dd: that is the point
      }
      return dir;
    }
    default: {
      // A private copy even when unchanged: cases run three at a time, and one that reaches the
      // lock must not show up in another's before/after snapshot.
      const dir = fresh();
      testCase.mutate?.(dir);
      return dir;
    }
  }
}

describe('bad input corpus: refused with one line, nothing changed', () => {
  beforeAll(async () => {
    const inRotating = (...args: string[]) => samctlOk(['--dir', rotating, ...args], { cwd: work });
    const preparing = (async () => {
      await inRotating('ca', 'init', '--key-size', '2048');
      await inRotating('broker', 'issue', BROKER);
      await inRotating('client', 'issue', P12_CLIENT, '--store-type', 'pkcs12');
      await inRotating('client', 'issue', PEM_CLIENT, '--store-type', 'pem');
      await inRotating('ca', 'rotate', '--key-size', '2048');
      // healthy before it is damaged: what the damaged-file cases see comes from the damage
      await inRotating('verify');
      expect(existsSync(join(rotating, 'ca', 'ca-1.crt'))).toBe(true);
    })();
    await samctlOk(['--dir', base, 'ca', 'init', '--key-size', '2048'], { cwd: work });
    await samctlOk(['--dir', base, 'broker', 'issue', BROKER], { cwd: work });
    await samctlOk(['--dir', base, 'client', 'issue', 'console'], { cwd: work });
    await samctlOk(['--dir', foreign, 'ca', 'init', '--key-size', '2048'], { cwd: work });
    await preparing;
    const key = join(base, 'ca', 'ca.key');
    const pass = { P: CA_PASSWORD };
    writeFileSync(join(work, 'pkcs1.key'), (await tool('openssl', ['pkey', '-in', key, '-passin', 'env:P', '-traditional'], { env: pass })).stdout + '\n');
    writeFileSync(join(work, 'pkcs8.key'), (await tool('openssl', ['pkey', '-in', key, '-passin', 'env:P'], { env: pass })).stdout + '\n');
    writeFileSync(join(work, 'legacy.key'), (await tool('openssl', ['rsa', '-in', key, '-passin', 'env:P', '-aes256', '-passout', 'env:P', '-traditional'], { env: pass })).stdout + '\n');
    expect(read(work, 'legacy.key')).toContain('Proc-Type: 4,ENCRYPTED');
  }, 120_000);

  afterAll(() => {
    for (const dir of mounted.reverse()) umount(dir);
  });

  it(`the corpus holds at least 100 bad inputs (${cases.length}, ${damagedCases.length} of them damaged files)`, () => {
    expect(cases.length).toBeGreaterThanOrEqual(100);
    // every file kind meets every variant (the two store.password rows together)
    const variants = new Map<string, Set<Variant>>();
    for (const { damaged } of damagedCases) {
      const kind = basename(damaged!.file);
      variants.set(kind, (variants.get(kind) ?? new Set()).add(damaged!.variant));
    }
    for (const [kind, seen] of variants) expect([...seen].sort().join(''), kind).toBe('EGTW');
    console.log(`bad-input corpus: ${cases.length} cases${MOUNTS_OK ? '' : ' (read-only and full-disk cases SKIPPED: mount is not permitted here)'}`);
  });

  // Three at a time: the cases only read the base PKI (or their own copy).
  const limit = pLimit(3);
  for (const testCase of cases) {
    const needsMount = testCase.dir === 'readonly' || testCase.dir === 'full';
    it.skipIf(needsMount && !MOUNTS_OK).concurrent(`refuses: ${testCase.name}`, async () => {
      await limit(async () => {
        const args = typeof testCase.args === 'function' ? testCase.args() : testCase.args;
        const dir = prepareDir(testCase)!;
        const before = snapshotTree(dir);
        const result = await samctl(['--dir', dir, ...args], { cwd: work, env: testCase.env });
        const where = `${testCase.name}: exit ${result.exitCode}\n${result.stderr}${testCase.report ? result.stdout : ''}`;
        expect(result.exitCode, where).toBe(testCase.exit);
        expect(result.stderr, where).not.toMatch(/\n\s+at |Error:|node:internal|unexpected error/);
        expect(result.stderr, where).toMatch(testCase.stderr);
        const lines = result.stderr.trimEnd().split('\n');
        // status reports per identity on stdout only; verify adds its verdict on stderr
        if (!(testCase.report && result.stderr === '')) {
          expect(lines[0], where).toMatch(/^samctl: \S/);
          expect(lines.length, where).toBeLessThanOrEqual(2);
          if (lines.length === 2) expect(lines[1], where).toMatch(/^(hint: |\(Did you mean)/);
        }
        if (testCase.damaged) {
          const { file: damagedFile, variant } = testCase.damaged;
          if (testCase.report) {
            // the entry of the identity names the file and what is wrong with it
            const naming = `${result.stdout}\n${result.stderr}`.split('\n').filter((line) => line.includes(basename(damagedFile)) && WHAT[variant].test(line));
            expect(naming.length, where).toBeGreaterThan(0);
          } else {
            expect(lines[0], where).toContain(`samctl: ${join(dir, damagedFile)} `);
            expect(lines[0], where).toMatch(WHAT[variant]);
            expect(lines[1], where).toMatch(FIX);
          }
        }
        // verify's verdict names each broken identity on stdout; refusals print nothing there.
        if (testCase.verdict) expect(result.stdout, where).toMatch(/✘ (broker|client) \S+\n\s+\S/);
        else if (!testCase.report) expect(result.stdout, where).toBe('');
        expect(snapshotTree(dir), where).toEqual(before);
        if (testCase.dir === 'missing') expect(existsSync(dir)).toBe(false);
        if (testCase.absent) expect(existsSync(join(dir, '..', testCase.absent))).toBe(false);
      });
    }, 120_000);
  }

  // The fix a hint names is a real one: run the command it names, and the identity verifies again.
  const repairs: Array<{ name: string; file: string; args: string[]; repaired: string }> = [
    { name: 'renew refuses a damaged broker.crt; the `broker issue --force` it names', file: `${B}/broker.crt`, args: ['renew', BROKER], repaired: BROKER },
    { name: 'verify on a damaged PKCS#12 store.password; the `client issue --store-type pkcs12 --force` it names', file: `clients/${P12_CLIENT}/store.password`, args: ['verify', P12_CLIENT], repaired: P12_CLIENT },
    { name: 'probe on a damaged client.key; the `renew` it names', file: `clients/${PEM_CLIENT}/client.key`, args: ['probe', '127.0.0.1:1', '--client', PEM_CLIENT], repaired: PEM_CLIENT },
  ];
  for (const repair of repairs) {
    it.concurrent(`a hint's fix repairs: ${repair.name}`, async () => {
      await limit(async () => {
        const dir = prepareDir({ name: repair.name, args: [], from: 'rotating', exit: 1, stderr: /^/ })!;
        writeFileSync(join(dir, repair.file), GARBAGE);
        const refused = await samctl(['--dir', dir, ...repair.args], { cwd: work });
        expect(refused.exitCode, refused.stderr).toBe(1);
        const command = /^hint: .*`samctl ([^`]+)`/m.exec(refused.stderr)?.[1];
        expect(command, refused.stderr).toBeDefined();
        await samctlOk(['--dir', dir, ...command!.split(' ')], { cwd: work });
        const verified = await samctl(['--dir', dir, 'verify', repair.repaired], { cwd: work });
        expect(verified.exitCode, verified.stdout + verified.stderr).toBe(0);
      });
    }, 120_000);
  }
});
