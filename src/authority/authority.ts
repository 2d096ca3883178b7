import type forge from 'node-forge';
import type { TrustedCa } from '../keystore/stores.js';
import { loadInventory } from '../store/inventory.js';
import type { PkiLayout } from '../store/layout.js';
import { assertCaExists, readCaFiles, readTrustedCas } from './ca-files.js';
import { FileCa } from './file-ca.js';
import { openEngineAuthority } from './openbao.js';
import type { Signer } from './signer.js';

/**
 * The CA as the rest of samctl sees it: the issuing certificate, every CA trusted now, the
 * truststore password, and a signer once unlocked. Which backend holds the key is decided
 * here and nowhere above.
 */
export interface Authority {
  issuer: { cert: forge.pki.Certificate; pem: string };
  trusted: TrustedCa[];
  truststorePassword: string;
  /** Unlocks signing; `passphrase` is asked only if this backend needs one. */
  unlock(passphrase: () => Promise<string>): Promise<Signer>;
}

/**
 * The CA named by the inventory's settings.backend: the PKI directory's own (ca/ca.crt,
 * ca/ca.key, older ca-<n>.crt) or an OpenBao / Vault PKI mount (openbao.ts).
 */
export async function openAuthority(layout: PkiLayout): Promise<Authority> {
  await assertCaExists(layout);
  // A damaged inventory is reported by whoever reads it next, with its own fix; here it means the default backend.
  const settings = await loadInventory(layout.inventory).then((inventory) => inventory.settings, () => undefined);
  if (settings?.backend === 'openbao' && settings.engine) return openEngineAuthority(layout, settings.engine);
  const files = await readCaFiles(layout);
  const trusted = await readTrustedCas(layout);
  return {
    issuer: { cert: files.cert, pem: files.certPem },
    trusted,
    truststorePassword: files.truststorePassword,
    unlock: async (passphrase) => FileCa.unlock(files, await passphrase(), layout),
  };
}
