import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomically } from './files.js';
import { PUBLIC, type PkiLayout } from './layout.js';

/**
 * Truststores depend only on the trusted CAs, the store type and the truststore password,
 * so a built one is kept in ca/ and copied: a JKS truststore costs a JVM launch, which
 * `client issue` would otherwise pay on every call. The name carries a hash of all three;
 * `ca rotate` / `ca retire` rewrite ca/ as a whole, which drops stale copies.
 */
export async function cachedTruststore(
  layout: PkiLayout,
  key: { type: string; trustedPems: string[]; password: string },
  build: () => Promise<Buffer>,
): Promise<Buffer> {
  const digest = createHash('sha256').update(`${key.type}\0${key.password}\0${key.trustedPems.join('')}`).digest('hex').slice(0, 16);
  const path = join(layout.caDir, `.truststore-${digest}.${key.type}`);
  const cached = await readFile(path).catch(() => undefined);
  if (cached) return cached;
  const built = await build();
  await writeFileAtomically(path, built, PUBLIC);
  return built;
}
