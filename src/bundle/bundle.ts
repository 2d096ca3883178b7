import { stat } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { usageError } from '../errors.js';
import { writeFileAtomically } from '../store/files.js';
import { loadInventory, type IdentityRecord, type Inventory } from '../store/inventory.js';
import { hostPlacement, SECRET, type IdentityKind, type PkiLayout } from '../store/layout.js';
import { withPkiLock } from '../store/lock.js';
import { manifestFile, readBundleFiles, sha256Hex } from './contents.js';
import { encryptBundle, type Encryption } from './encrypt.js';
import { packTar } from './tar.js';
import { unpackCommands } from './unpack.js';

/** One identity to export and where its bundle goes. */
export interface BundlePlan {
  kind: IdentityKind;
  name: string;
  /** Absolute path of the bundle file. */
  file: string;
}

/** A bundle made and written. */
export interface Bundle extends BundlePlan {
  installDir: string;
  /** Whether the identity has an install dir of its own (else its configs point into the PKI directory). */
  ownInstallDir: boolean;
  encryption?: Encryption['kind'];
  /** The identity's files in the bundle, by their names in the install dir (the manifest aside). */
  files: string[];
  bytes: number;
  sha256: string;
  unpack: string[];
}

/**
 * The active identities the names pick. A name may be qualified as broker/<name> or
 * client/<name>, for the rare name that is both. Unknown or ambiguous names: exit 2.
 */
export function selectIdentities(inventory: Inventory, names: string[]): Array<{ kind: IdentityKind; name: string }> {
  const active = inventory.identities.filter((record) => record.status === 'active');
  const selected = new Map<string, { kind: IdentityKind; name: string }>();
  const unknown: string[] = [];
  for (const raw of names) {
    const qualified = /^(broker|client)\/(.+)$/.exec(raw);
    const name = qualified ? qualified[2] : raw;
    const matches = active.filter((record) => record.name === name && (!qualified || record.kind === qualified[1]));
    if (matches.length === 0) unknown.push(raw);
    else if (matches.length > 1) throw usageError(`${name} names both a broker and a client`, `say broker/${name} or client/${name}`);
    else selected.set(`${matches[0].kind}/${name}`, { kind: matches[0].kind, name });
  }
  if (unknown.length > 0) throw usageError(`no identity named ${unknown.join(', ')}`, 'see `samctl status` for the names');
  return [...selected.values()];
}

/**
 * Where each bundle goes: `<name>.tar` (`.tar.age` encrypted) in --out when it is a
 * directory (existing, or ending in /, or several names), else --out itself; the working
 * directory without --out. An existing file is replaced only with --force. Checked before
 * anything is read, asked or written.
 */
export async function planBundles(identities: Array<{ kind: IdentityKind; name: string }>, options: { out?: string; encrypted: boolean; force: boolean; cwd: string }): Promise<BundlePlan[]> {
  const extension = options.encrypted ? '.tar.age' : '.tar';
  const outKind = options.out === undefined ? 'none' : await pathKind(resolve(options.cwd, options.out));
  const intoDir = options.out === undefined || outKind === 'dir' || /[/\\]$/.test(options.out) || identities.length > 1;
  if (options.out !== undefined && intoDir && outKind === 'file') {
    throw usageError(`--out ${options.out} is a file, and ${identities.length} bundles need a directory`, 'give a directory (it is made if missing), or one name per run');
  }
  const dir = resolve(options.cwd, options.out ?? '.');
  const plans = identities.map(({ kind, name }) => ({ kind, name, file: intoDir ? join(dir, `${name}${extension}`) : dir }));
  if (!options.encrypted && plans.some((plan) => plan.file.endsWith('.age'))) {
    throw usageError(`--out ${options.out} names an age file, but the bundle is not encrypted`, 'add --encrypt (or --recipient age1…), or name the file .tar');
  }
  const seen = new Set<string>();
  for (const plan of plans) {
    if (seen.has(plan.file)) throw usageError(`two bundles would be written to ${plan.file}`, 'export them one at a time, each with its own --out');
    seen.add(plan.file);
    const kind = await pathKind(plan.file);
    if (kind === 'dir') throw usageError(`${plan.file} is a directory`, 'give --out a file name, or a directory to write <name>.tar into');
    if (kind === 'file' && !options.force) throw usageError(`${plan.file} exists`, 'pass --force to replace it, or choose another --out');
  }
  return plans;
}

/**
 * Builds every bundle in memory (identity files read under the PKI lock, so a concurrent
 * renew cannot hand over half of one), encrypts them, and only then writes them: a failure
 * while reading or encrypting writes nothing. Each bundle file is replaced atomically, 0600.
 */
export async function writeBundles(layout: PkiLayout, plans: BundlePlan[], options: { encryption?: Encryption; owner?: string; identityFile?: string; now: Date }): Promise<Bundle[]> {
  const made = await withPkiLock(layout.root, async () => {
    const inventory = await loadInventory(layout.inventory);
    const made: Array<{ plan: BundlePlan; record: IdentityRecord; files: string[]; tar: Buffer }> = [];
    for (const plan of plans) {
      const record = inventory.identities.find((candidate) => candidate.status === 'active' && candidate.kind === plan.kind && candidate.name === plan.name);
      if (!record) throw usageError(`no identity named ${plan.name}`, 'see `samctl status` for the names');
      const files = await readBundleFiles(layout, record);
      made.push({ plan, record, files: files.map((file) => file.name), tar: await packTar([...files, manifestFile(files, options.now)]) });
    }
    return made;
  });
  const bundles: Array<{ bundle: Bundle; content: Buffer }> = [];
  for (const { plan, record, files, tar } of made) {
    const content = options.encryption ? await encryptBundle(tar, options.encryption) : tar;
    const installDir = hostPlacement(layout, record).dir;
    const encryption = options.encryption?.kind;
    bundles.push({
      content,
      bundle: {
        ...plan,
        installDir,
        ownInstallDir: record.installDir !== undefined,
        encryption,
        files,
        bytes: content.length,
        sha256: sha256Hex(content),
        unpack: unpackCommands({ bundle: basename(plan.file), installDir, files, encryption, owner: options.owner, identityFile: options.identityFile }),
      },
    });
  }
  for (const { bundle, content } of bundles) await writeFileAtomically(bundle.file, content, SECRET);
  return bundles.map(({ bundle }) => bundle);
}

async function pathKind(path: string): Promise<'none' | 'dir' | 'file'> {
  try {
    return (await stat(path)).isDirectory() ? 'dir' : 'file';
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 'none';
    throw err;
  }
}
