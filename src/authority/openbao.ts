import forge from 'node-forge';
import { createHash } from 'node:crypto';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { ExitCode, operationError, SamctlError, usageError } from '../errors.js';
import { decryptPrivateKey, keyMatchesCertificate, privateKeyToPkcs8Pem } from '../pki/keys.js';
import type { EngineClient } from '../engine/client.js';
import { connectEngine } from '../engine/connection.js';
import { configureCrl, defaultIssuerPem, enablePki, issuerCrlPem, generateRoot, mountType, notPki, revokeSerial, signWithRole, tunePki, writeRole, type RoleSpec } from '../engine/pki.js';
import { altNamesToSans, dnToAttributes, requestedSans, type DistinguishedName } from '../pki/certificates.js';
import { rfc2253, subjectField, summarizeCertificate } from '../pki/inspect.js';
import { sanToString } from '../pki/names.js';
import { subjectRfc2253 } from '../pki/rfc2253.js';
import { generateStorePassword } from '../secrets.js';
import { writeDirectoryAtomically } from '../store/files.js';
import { loadInventory, recordCa, saveInventory, type CaRecord, type EngineSettings, type Settings } from '../store/inventory.js';
import { backupStamp, CA_FILE_NAMES, PUBLIC, SECRET, type FileSpec, type PkiLayout } from '../store/layout.js';
import { withPkiLock } from '../store/lock.js';
import { EngineState, engineSerial } from '../store/engine-state.js';
import { ensureKv } from '../engine/kv.js';
import { removeLeftovers } from '../store/files.js';
import { parseCaCertificateText, parsePasswordText, readTextFile } from '../store/read.js';
import type { Authority } from './authority.js';
import { readCaFiles, readTrustedCas } from './ca-files.js';
import type { CrlEntry, CrlWindow, LeafProfile, Signer } from './signer.js';

/**
 * The CA in an OpenBao / Vault PKI mount: the engine makes and keeps the key; samctl makes leaf
 * keys locally (keystores need them) and sends CSRs to sign/<role>. The PKI directory keeps a
 * cache: ca/ca.crt (the engine's CA, public) and ca/truststore.password; no ca/ca.key.
 */

/** Leaves signed by the engine live at most this long (the roles' max_ttl): 825 days, the old CA/Browser Forum cap. */
export const ENGINE_MAX_LEAF_DAYS = 825;

/**
 * sign/<role> takes O and OU from the role, not from the CSR: a role per subject shape keeps
 * the DN samctl decided. The CA's own O without OU is the usual one, made at ca init.
 */
export function roleName(kind: 'broker' | 'client', dn: Pick<DistinguishedName, 'o' | 'ou'>, caO: string | undefined): string {
  if ((dn.o ?? '') === (caO ?? '') && !dn.ou) return `samctl-${kind}`;
  const shape = createHash('sha256').update(`${dn.o ?? ''}\0${dn.ou ?? ''}`).digest('hex').slice(0, 12);
  return `samctl-${kind}-${shape}`;
}

/**
 * ca init --backend openbao: the PKI mount is enabled when missing, refused when it is something
 * else; a mount that already holds a CA is joined (a second operator's PKI directory), else a
 * root is generated inside it. Then the roles, then — only once the engine is done — the local
 * cache and the inventory's settings.
 */
export async function initEngineCa(
  layout: PkiLayout,
  client: EngineClient,
  input: { pkiMount: string; kvMount?: string; dn: DistinguishedName; days: number; keySize: number; now: Date; principalRules?: string },
): Promise<{ record: CaRecord; joined: boolean; backup?: string; settings: EngineSettings }> {
  const { pkiMount } = input;
  const type = await mountType(client, pkiMount);
  if (type !== undefined && type !== 'pki') throw notPki(client.address, pkiMount, type);
  if (type === undefined) await enablePki(client, pkiMount, input.days);
  let pem = await defaultIssuerPem(client, pkiMount);
  const joined = pem !== undefined;
  if (!pem) {
    await tunePki(client, pkiMount, input.days);
    pem = (await generateRoot(client, pkiMount, { cn: input.dn.cn, o: input.dn.o, days: input.days, keySize: input.keySize, issuerName: `samctl-${backupStamp(input.now).toLowerCase()}` })).pem;
  }
  const cert = forge.pki.certificateFromPem(pem);
  const caO = subjectField(cert, 'O');
  for (const kind of ['broker', 'client'] as const) {
    await writeRole(client, pkiMount, roleName(kind, { o: caO }, caO), { kind, o: caO, maxDays: ENGINE_MAX_LEAF_DAYS });
  }
  const record = engineCaRecord(cert, input.now);
  const settings: EngineSettings = { address: client.address, pkiMount, ...(input.kvMount ? { kvMount: input.kvMount } : {}) };
  if (input.kvMount) await ensureKv(client, input.kvMount);
  const backup = await withPkiLock(layout.root, async () => {
    await removeLeftovers(layout);
    const inventory = await loadInventory(layout.inventory);
    const previous = await writeDirectoryAtomically(
      layout.caDir,
      [
        { name: CA_FILE_NAMES.cert, content: pem!, mode: PUBLIC },
        { name: CA_FILE_NAMES.truststorePassword, content: `${generateStorePassword()}\n`, mode: SECRET },
      ],
      layout.caBackup(backupStamp(input.now)),
    );
    const next: Settings = { ...inventory.settings, backend: 'openbao', engine: settings, ...(input.principalRules === undefined ? {} : { principalRules: input.principalRules }) };
    const known = inventory.cas.some((ca) => ca.sha256 === record.sha256 && ca.status === 'active');
    const local = known ? { ...inventory, settings: next } : recordCa({ ...inventory, settings: next }, record);
    // The shared inventory starts with the settings and the CA; a second PKI directory finds it there.
    const shared = new EngineState(client, next);
    if (input.kvMount && !(await shared.readInventory())) await shared.createInventory({ ...local, identities: [] });
    await saveInventory(layout.inventory, local);
    return previous;
  });
  return { record, joined, backup, settings };
}

/** What an engine PKI directory caches of its CA: ca/ca.crt and ca/truststore.password (no key: it stays in the engine). */
export async function readCachedEngineCa(layout: PkiLayout, settings: EngineSettings): Promise<{ cert: forge.pki.Certificate; certPem: string; truststorePassword: string }> {
  const fix = `run samctl ca init --backend openbao --pki-mount ${settings.pkiMount} again: it fetches the engine's CA into ${layout.caDir}`;
  const certPem = await readTextFile(layout.caCert, fix);
  const cert = parseCaCertificateText(certPem, layout.caCert, fix);
  const truststorePassword = parsePasswordText(await readTextFile(layout.truststorePassword, fix), layout.truststorePassword, fix, { generated: true });
  return { cert, certPem, truststorePassword };
}

/** The engine-backed CA as the rest of samctl sees it: the cached certificate; unlocking connects. */
export async function openEngineAuthority(layout: PkiLayout, settings: EngineSettings): Promise<Authority> {
  const { cert, certPem, truststorePassword } = await readCachedEngineCa(layout, settings);
  return {
    issuer: { cert, pem: certPem },
    trusted: await readTrustedCas(layout),
    truststorePassword,
    unlock: async () => EngineCa.connect(await connectEngine({ recordedAddress: settings.address }), settings.pkiMount, { cert, pem: certPem }, layout),
  };
}

/** Signs through sign/<role>, then checks what came back against the profile before anyone sees it. */
export class EngineCa implements Signer {
  private constructor(
    private readonly client: EngineClient,
    private readonly mount: string,
    readonly issuer: { cert: forge.pki.Certificate; pem: string },
  ) {}

  /** Checks the token and that the mount's CA is the one this PKI directory trusts. */
  static async connect(client: EngineClient, mount: string, cached: { cert: forge.pki.Certificate; pem: string }, layout: PkiLayout): Promise<EngineCa> {
    await client.call('GET', 'auth/token/lookup-self');
    const pem = await defaultIssuerPem(client, mount);
    if (!pem) throw notPki(client.address, mount);
    const engineSha = summarizeCertificate(forge.pki.certificateFromPem(pem)).sha256;
    if (engineSha !== summarizeCertificate(cached.cert).sha256) {
      throw operationError(
        `the CA of ${mount}/ at ${client.address} is not ${layout.caCert} (engine ${engineSha.slice(0, 23)}…)`,
        'point BAO_ADDR / VAULT_ADDR at the engine this PKI directory was made with, or run samctl ca init --backend openbao --force to follow the engine',
      );
    }
    return new EngineCa(client, mount, cached);
  }

  async sign(csr: forge.pki.CertificateSigningRequest, profile: LeafProfile): Promise<forge.pki.Certificate> {
    const wanted = { dn: rfc2253(dnToAttributes(profile.dn)), sans: profile.sans.map(sanToString).join(',') };
    const asked = { dn: rfc2253(csr.subject.attributes), sans: requestedSans(csr).map(sanToString).join(',') };
    if (asked.dn !== wanted.dn || asked.sans !== wanted.sans) {
      throw operationError(`the certificate request asks for ${asked.dn} [${asked.sans}], not the profile's ${wanted.dn} [${wanted.sans}]`);
    }
    const days = (profile.validity.notAfter.getTime() - profile.validity.notBefore.getTime() - 60_000) / 86_400_000;
    if (days > ENGINE_MAX_LEAF_DAYS) {
      throw usageError(`--days ${Math.round(days)} is past the engine roles' cap of ${ENGINE_MAX_LEAF_DAYS} days`, `use --days ${ENGINE_MAX_LEAF_DAYS} or less`);
    }
    const caO = subjectField(this.issuer.cert, 'O');
    const role = roleName(profile.role, profile.dn, caO);
    const request = { csrPem: forge.pki.certificationRequestToPem(csr), notAfter: new Date(Math.floor(profile.validity.notAfter.getTime() / 1000) * 1000) };
    let signed = await signWithRole(this.client, this.mount, role, request);
    if (!signed) {
      const spec: RoleSpec = { kind: profile.role, o: profile.dn.o, ou: profile.dn.ou, maxDays: ENGINE_MAX_LEAF_DAYS };
      await writeRole(this.client, this.mount, role, spec);
      signed = await signWithRole(this.client, this.mount, role, request);
      if (!signed) throw operationError(`the engine at ${this.client.address} lost role ${this.mount}/${role} right after samctl wrote it`, 'run the command again');
    }
    const cert = forge.pki.certificateFromPem(signed.pem);
    const problem = issuedProblem(cert, csr, profile, this.issuer.cert);
    if (problem) {
      // Nobody has the certificate yet: revoke it so the engine's CRL lists it, and keep nothing.
      const revoked = await revokeSerial(this.client, this.mount, signed.serial).then(() => 'revoked it', () => 'could not revoke it: revoke it by hand');
      throw new SamctlError(`the engine at ${this.client.address} signed serial ${signed.serial} with ${problem}; samctl ${revoked} and keeps nothing`, {
        hint: `check role ${this.mount}/${role} (samctl ca init --backend openbao rewrites samctl's roles)`,
        exitCode: ExitCode.failed,
      });
    }
    return cert;
  }

  /**
   * The engine's own revocation and CRL: every entry is revoked at the engine (<mount>/revoke by
   * serial; revoking again is a no-op there), the mount's CRL is set to live as long as the
   * window asks and rebuilt, and the default issuer's CRL comes back. The engine signs it, with
   * its own thisUpdate and cRLNumber; it lists every serial the issuer revoked (also those
   * samctl took back after a failed write). No reason codes: the engine's revoke takes none.
   */
  async signCrl(entries: CrlEntry[], window: CrlWindow): Promise<string> {
    for (const entry of entries) await revokeSerial(this.client, this.mount, engineSerial(entry.serialHex));
    const hours = Math.max(1, Math.round((window.nextUpdate.getTime() - window.thisUpdate.getTime()) / 3_600_000));
    await configureCrl(this.client, this.mount, hours);
    return issuerCrlPem(this.client, this.mount);
  }

}

/** Why an engine-signed certificate is not the profile samctl asked for, or undefined when it is. */
export function issuedProblem(cert: forge.pki.Certificate, csr: forge.pki.CertificateSigningRequest, profile: LeafProfile, issuer: forge.pki.Certificate): string | undefined {
  const dn = subjectRfc2253(cert);
  const wantedDn = rfc2253(dnToAttributes(profile.dn));
  if (dn !== wantedDn) return `subject ${dn}, not ${wantedDn}`;
  const san = cert.getExtension('subjectAltName') as { altNames?: Array<{ type: number; value?: string; ip?: string }> } | null;
  const sans = altNamesToSans(san?.altNames ?? []).map(sanToString).sort().join(',');
  const otherNames = (san?.altNames ?? []).filter((alt) => alt.type !== 2 && alt.type !== 7);
  const wantedSans = profile.sans.map(sanToString).sort().join(',');
  if (sans !== wantedSans || otherNames.length > 0) return `SANs [${sans}${otherNames.length ? ' + other name types' : ''}], not [${wantedSans}]`;
  const eku = cert.getExtension('extKeyUsage') as Record<string, unknown> | null;
  const usages = ['serverAuth', 'clientAuth', 'codeSigning', 'emailProtection', 'timeStamping'].filter((name) => eku?.[name] === true);
  const wantedUsages = profile.role === 'broker' ? 'serverAuth,clientAuth' : 'clientAuth';
  if (usages.join(',') !== wantedUsages) return `extended key usage ${usages.join(',') || 'none'}, not ${wantedUsages}`;
  const basic = cert.getExtension('basicConstraints') as { cA?: boolean } | null;
  if (basic?.cA) return 'CA:TRUE';
  if (cert.validity.notAfter.getTime() > profile.validity.notAfter.getTime()) return `notAfter ${cert.validity.notAfter.toISOString()}, past the profile's ${profile.validity.notAfter.toISOString()}`;
  if (profile.validity.notAfter.getTime() - cert.validity.notAfter.getTime() > 2_000) return `notAfter ${cert.validity.notAfter.toISOString()}, short of the profile's ${profile.validity.notAfter.toISOString()}`;
  if (forge.pki.publicKeyToPem(cert.publicKey) !== forge.pki.publicKeyToPem(csr.publicKey!)) return 'a public key that is not the request\'s';
  let chains = false;
  try {
    chains = issuer.verify(cert);
  } catch {
    chains = false;
  }
  if (!chains) return 'a signature that does not verify against the cached CA certificate';
  return undefined;
}

/**
 * ca init --backend openbao --migrate: this PKI directory's own CA moves into the engine. Its
 * key is sent once to config/ca (the only time a CA key crosses the wire) and leaves ca/ for
 * backups/; the identities' records and files go into KV (with a KV mount). Every certificate
 * already issued stays valid: same CA, same truststores.
 */
export async function migrateDirectoryCa(
  layout: PkiLayout,
  client: EngineClient,
  input: { pkiMount: string; kvMount?: string; passphrase: () => Promise<string>; now: Date },
): Promise<{ record: CaRecord; backup?: string; settings: EngineSettings; identities: number }> {
  const { pkiMount } = input;
  const inventory = await loadInventory(layout.inventory);
  if (inventory.settings.backend !== 'directory') throw usageError(`the CA of ${layout.root} is already in an engine`, 'nothing to migrate; samctl issues through it already');
  if (inventory.cas.some((ca) => ca.status === 'retiring')) throw usageError('a CA rotation is in progress', 'finish it (samctl renew --all, samctl ca retire) before moving the CA into the engine');
  const files = await readCaFiles(layout);
  const key = await decryptPrivateKey(files.keyPem, await input.passphrase(), layout.caKey, files.keyDigest);
  if (!keyMatchesCertificate(key, files.cert)) throw operationError(`${layout.caKey} does not belong to ${layout.caCert}`, `restore the matching pair from ${layout.backups}/ca-*/`);
  const sha = summarizeCertificate(files.cert).sha256;

  const type = await mountType(client, pkiMount);
  if (type !== undefined && type !== 'pki') throw notPki(client.address, pkiMount, type);
  if (type === undefined) await enablePki(client, pkiMount, remainingDays(files.cert, input.now));
  const present = await defaultIssuerPem(client, pkiMount);
  if (present && summarizeCertificate(forge.pki.certificateFromPem(present)).sha256 !== sha) {
    throw usageError(`the engine at ${client.address} already holds another CA in ${pkiMount}/`, 'give an empty PKI mount (--pki-mount) to move this CA into');
  }
  await tunePki(client, pkiMount, remainingDays(files.cert, input.now));
  if (!present) await client.call('POST', `${pkiMount}/config/ca`, { pem_bundle: `${files.certPem.trim()}\n${privateKeyToPkcs8Pem(key).trim()}\n` });
  const caO = subjectField(files.cert, 'O');
  for (const kind of ['broker', 'client'] as const) await writeRole(client, pkiMount, roleName(kind, { o: caO }, caO), { kind, o: caO, maxDays: ENGINE_MAX_LEAF_DAYS });

  const settings: EngineSettings = { address: client.address, pkiMount, ...(input.kvMount ? { kvMount: input.kvMount } : {}) };
  const next: Settings = { ...inventory.settings, backend: 'openbao', engine: settings };
  const active = inventory.identities.filter((record) => record.status === 'active');
  if (input.kvMount) {
    await ensureKv(client, input.kvMount);
    const shared = new EngineState(client, next);
    if (await shared.readInventory()) throw usageError(`${input.kvMount}/ at ${client.address} already holds a samctl inventory for ${pkiMount}`, 'give an empty KV mount (--kv-mount) to move this inventory into');
    for (const record of active) {
      const names = await readdir(layout.identityDir(record.kind, record.name));
      const specs = await Promise.all(names.map(async (name) => ({ name, content: await readFile(layout.identityFile(record.kind, record.name, name)), mode: (await stat(layout.identityFile(record.kind, record.name, name))).mode & 0o777 })));
      await shared.putIdentity(record, specs);
    }
    await shared.createInventory({ ...inventory, settings: next });
  }
  const backup = await withPkiLock(layout.root, async () => {
    await removeLeftovers(layout);
    const kept = (await readdir(layout.caDir)).filter((name) => name !== CA_FILE_NAMES.key && !name.startsWith('.'));
    const specs: FileSpec[] = await Promise.all(kept.map(async (name) => ({ name, content: await readFile(join(layout.caDir, name)), mode: name === CA_FILE_NAMES.truststorePassword ? SECRET : PUBLIC })));
    const previous = await writeDirectoryAtomically(layout.caDir, specs, layout.caBackup(backupStamp(input.now)));
    await saveInventory(layout.inventory, { ...(await loadInventory(layout.inventory)), settings: next });
    return previous;
  });
  return { record: inventory.cas.find((ca) => ca.status === 'active')!, backup, settings, identities: active.length };
}

function remainingDays(cert: forge.pki.Certificate, now: Date): number {
  return Math.max(1, Math.ceil((cert.validity.notAfter.getTime() - now.getTime()) / 86_400_000));
}

/** The inventory record of a CA whose key lives in the engine (no keyDigest: there is no key file). */
export function engineCaRecord(cert: forge.pki.Certificate, now: Date): CaRecord {
  const summary = summarizeCertificate(cert);
  return {
    serial: summary.serial,
    subject: summary.subject,
    sha256: summary.sha256,
    notBefore: summary.notBefore,
    notAfter: summary.notAfter,
    keySize: (cert.publicKey as forge.pki.rsa.PublicKey).n.bitLength(),
    createdAt: now.toISOString(),
    status: 'active',
  };
}
