import forge from 'node-forge';
import type { LeafProfile, Signer } from './authority/signer.js';
import { buildKeystore, type StoreType } from './keystore/stores.js';
import { createCsr, type DistinguishedName } from './pki/certificates.js';
import { kafkaPrincipal, summarizeCertificate } from './pki/inspect.js';
import { generateKeyPair, keyPairFromPem, privateKeyToPkcs8Pem, type KeyPair } from './pki/keys.js';
import { sanToString, type SubjectAltName } from './pki/names.js';
import { validityWindow } from './pki/validity.js';
import { renderIdentityConfigs } from './render/identity-configs.js';
import { generateStorePassword } from './secrets.js';
import type { IdentityRecord, SecretsMode } from './store/inventory.js';
import { hostPlacement, identityFileNames, PUBLIC, SECRET, type FileSpec, type IdentityKind, type PkiLayout } from './store/layout.js';

export interface IdentityRequest {
  kind: IdentityKind;
  /** Broker host or client name: the directory name and the keystore alias. */
  name: string;
  dn: DistinguishedName;
  sans: SubjectAltName[];
  days: number;
  keySize: number;
  storeType: StoreType;
  /** Where the files will live on the identity's host; absent: its PKI directory. */
  installDir?: string;
  secrets: SecretsMode;
  /** Renewal keeps the store password (automation reads it) and, with --keep-key, the key. */
  storePassword?: string;
  keyPem?: string;
}

export interface IssueContext {
  signer: Signer;
  /** Every CA the truststores hold, the current one first. */
  trustedCaPems: string[];
  /** Truststore bytes per store type, built once per run with the CA's truststore password. */
  truststores: Partial<Record<StoreType, Buffer>>;
  truststorePassword: string;
  now: Date;
  layout: PkiLayout;
}

export interface IssuedIdentity {
  files: FileSpec[];
  record: IdentityRecord;
  principal: string;
}

/**
 * Everything one identity is made of, in memory: key (`pendingKey` when the caller started
 * it early), CSR, signed certificate, stores and config files. Only keytool's scratch files touch the disk here (inside the PKI directory,
 * removed afterwards); store/ writes the result in one step.
 */
export async function issueIdentity(request: IdentityRequest, context: IssueContext, pendingKey?: Promise<KeyPair>): Promise<IssuedIdentity> {
  const { signer, now, layout } = context;
  const keyPair = request.keyPem ? keyPairFromPem(request.keyPem) : await (pendingKey ?? generateKeyPair(request.keySize));
  const csr = createCsr({ keyPair, dn: request.dn, sans: request.sans });
  const profile: LeafProfile = { role: request.kind, dn: request.dn, sans: request.sans, validity: validityWindow(now, request.days) };
  const cert = await signer.sign(csr, profile);
  const storeType = request.storeType;
  const names = identityFileNames(request.kind, storeType, { secrets: request.secrets === 'file' });
  const storePassword = request.storePassword ?? generateStorePassword();
  const keystore = await buildKeystore(storeType, { key: keyPair.privateKey, chain: [cert, signer.issuer.cert], alias: request.name, password: storePassword, scratchRoot: layout.root });
  const truststore = context.truststores[storeType];
  if (!truststore) throw new Error(`no ${storeType} truststore was built for this run`);
  const leafPem = forge.pki.certificateToPem(cert);
  const principal = kafkaPrincipal(cert);
  const placement = hostPlacement(layout, { ...request });

  const files: FileSpec[] = [
    { name: names.key, content: privateKeyToPkcs8Pem(keyPair.privateKey), mode: SECRET },
    { name: names.csr, content: forge.pki.certificationRequestToPem(csr), mode: PUBLIC },
    // Brokers present leaf + chain; clients' PEM loaders (librdkafka, Python ssl) take either.
    { name: names.cert, content: request.kind === 'broker' ? leafPem + signer.issuer.pem : leafPem, mode: PUBLIC },
    { name: names.ca, content: context.trustedCaPems.join(''), mode: PUBLIC },
    { name: names.keystore, content: keystore, mode: SECRET },
    { name: names.truststore, content: truststore, mode: PUBLIC },
  ];
  if (names.storePassword && names.truststorePassword) {
    files.push(
      { name: names.storePassword, content: `${storePassword}\n`, mode: SECRET },
      { name: names.truststorePassword, content: `${context.truststorePassword}\n`, mode: SECRET },
    );
  }
  files.push(
    ...renderIdentityConfigs({
      kind: request.kind,
      name: request.name,
      principal,
      storeType,
      secrets: request.secrets,
      hostPath: placement.path,
      names,
      keystorePassword: storePassword,
      truststorePassword: context.truststorePassword,
    }),
  );

  const summary = summarizeCertificate(cert);
  const record: IdentityRecord = {
    kind: request.kind,
    name: request.name,
    serial: summary.serial,
    subject: summary.subject,
    sans: request.sans.map(sanToString),
    notBefore: summary.notBefore,
    notAfter: summary.notAfter,
    sha256: summary.sha256,
    issuerSha256: summarizeCertificate(signer.issuer.cert).sha256,
    keySize: request.keySize,
    storeType,
    dir: layout.identityRelativeDir(request.kind, request.name),
    files: files.map((file) => file.name),
    issuedAt: now.toISOString(),
    ...(request.installDir ? { installDir: request.installDir } : {}),
    secrets: request.secrets,
    status: 'active',
  };
  return { files, record, principal };
}
