import { join, resolve } from 'node:path';

export type IdentityKind = 'broker' | 'client';

/** Where everything lives in a PKI directory (see README "The PKI directory"). */
export function pkiLayout(dir: string) {
  const root = resolve(dir);
  const caDir = join(root, 'ca');
  return {
    root,
    inventory: join(root, 'samctl.json'),
    caDir,
    caCert: join(caDir, 'ca.crt'),
    caKey: join(caDir, 'ca.key'),
    truststorePassword: join(caDir, 'truststore.password'),
    backups: join(root, 'backups'),
    identityDir: (kind: IdentityKind, name: string) => join(root, kind === 'broker' ? 'brokers' : 'clients', name),
  };
}

export type PkiLayout = ReturnType<typeof pkiLayout>;

/** A file to write: its name inside the target directory, its content and its mode. */
export interface FileSpec {
  name: string;
  content: string | Buffer;
  mode: 0o600 | 0o644;
}

/** A time as it appears in backup directory names (no ':' or '.'). */
export function backupStamp(now: Date): string {
  return now.toISOString().replace(/[:.]/g, '-');
}

export const SECRET = 0o600;
export const PUBLIC = 0o644;
export const PRIVATE_DIR = 0o700;
