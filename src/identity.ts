import forge from 'node-forge';
import { join, relative } from 'node:path';
import type { LoadedAuthority } from './authority.js';
import { buildKeystore, KAFKA_STORE_TYPE, STORE_FILES, storeHasPasswords, type StoreType } from './keystore/stores.js';
import { createCsr, signCsr, type DistinguishedName } from './pki/certificates.js';
import { kafkaPrincipal, summarizeCertificate } from './pki/inspect.js';
import { generateKeyPair, keyPairFromPem, privateKeyToPkcs8Pem } from './pki/keys.js';
import { sanToString, type SubjectAltName } from './pki/names.js';
import { randomSerialHex } from './pki/serial.js';
import { validityWindow } from './pki/validity.js';
import { renderTemplate } from './render/templates.js';
import { generateStorePassword } from './secrets.js';
import type { IdentityRecord } from './store/inventory.js';
import { PUBLIC, SECRET, type FileSpec, type IdentityKind } from './store/layout.js';

export interface IdentityRequest {
  kind: IdentityKind;
  /** Broker host or client name: the directory name and the keystore alias. */
  name: string;
  dn: DistinguishedName;
  sans: SubjectAltName[];
  days: number;
  keySize: number;
  storeType: StoreType;
  /** Renewal keeps the store password (automation reads it) and, with --keep-key, the key. */
  storePassword?: string;
  keyPem?: string;
}

export interface IssueContext {
  ca: LoadedAuthority;
  /** PEM of every CA the truststores hold (the current one first). */
  trustedCaPems: string[];
  /** Truststore bytes of the request's store type, built once per run with the CA's truststore password. */
  truststores: Partial<Record<StoreType, Buffer>>;
  now: Date;
  root: string;
  /** The directory the identity will live in once written (paths in config files point there). */
  targetDir: string;
}

export interface IssuedIdentity {
  files: FileSpec[];
  record: IdentityRecord;
  principal: string;
}

/**
 * Everything one identity is made of, in memory: key, CSR, signed certificate, JKS stores
 * and config files. Nothing is written here; store/ writes the result in one step.
 */
export async function issueIdentity(request: IdentityRequest, context: IssueContext): Promise<IssuedIdentity> {
  const { ca, now } = context;
  const keyPair = request.keyPem ? keyPairFromPem(request.keyPem) : await generateKeyPair(request.keySize);
  const csr = createCsr({ keyPair, dn: request.dn, sans: request.sans });
  const cert = signCsr({
    csr,
    ca,
    role: request.kind,
    validity: validityWindow(now, request.days),
    serialHex: randomSerialHex(),
  });
  const storeType = request.storeType;
  const storeFiles = STORE_FILES[storeType];
  const withPasswords = storeHasPasswords(storeType);
  const storePassword = request.storePassword ?? generateStorePassword();
  const keystore = await buildKeystore(storeType, { key: keyPair.privateKey, chain: [cert, ca.cert], alias: request.name, password: storePassword, scratchRoot: context.root });
  const truststore = context.truststores[storeType];
  if (!truststore) throw new Error(`no ${storeType} truststore was built for this run`);
  const leafPem = forge.pki.certificateToPem(cert);
  const base = request.kind === 'broker' ? 'broker' : 'client';
  const at = (file: string) => join(context.targetDir, file);
  const principal = kafkaPrincipal(cert);

  const storeView = {
    storeType: KAFKA_STORE_TYPE[storeType],
    keystore: at(storeFiles.keystore),
    truststore: at(storeFiles.truststore),
    keystorePassword: withPasswords ? storePassword : '',
    truststorePassword: withPasswords ? ca.truststorePassword : '',
    principal,
  };
  const files: FileSpec[] = [
    { name: `${base}.key`, content: privateKeyToPkcs8Pem(keyPair.privateKey), mode: SECRET },
    { name: `${base}.csr`, content: forge.pki.certificationRequestToPem(csr), mode: PUBLIC },
    // Brokers present leaf + chain; clients' PEM loaders (librdkafka, Python ssl) take either.
    { name: `${base}.crt`, content: request.kind === 'broker' ? leafPem + ca.certPem : leafPem, mode: PUBLIC },
    { name: 'ca.crt', content: context.trustedCaPems.join(''), mode: PUBLIC },
    { name: storeFiles.keystore, content: keystore, mode: SECRET },
    { name: storeFiles.truststore, content: truststore, mode: PUBLIC },
  ];
  if (withPasswords) {
    files.push(
      { name: 'store.password', content: `${storePassword}\n`, mode: SECRET },
      { name: 'truststore.password', content: `${ca.truststorePassword}\n`, mode: SECRET },
    );
  }
  if (request.kind === 'broker') {
    files.push({ name: 'server-ssl.properties', content: renderTemplate('server-ssl.properties', { ...storeView, host: request.name }), mode: SECRET });
  } else {
    files.push(
      { name: 'client-ssl.properties', content: renderTemplate('client-ssl.properties', { ...storeView, name: request.name }), mode: SECRET },
      {
        name: 'librdkafka.properties',
        content: renderTemplate('librdkafka.properties', {
          name: request.name,
          principal,
          caFile: at('ca.crt'),
          certFile: at('client.crt'),
          keyFile: at('client.key'),
        }),
        mode: PUBLIC,
      },
    );
  }

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
    issuerSha256: summarizeCertificate(ca.cert).sha256,
    keySize: request.keySize,
    storeType,
    dir: relative(context.root, context.targetDir),
    files: files.map((file) => file.name),
    issuedAt: now.toISOString(),
    status: 'active',
  };
  return { files, record, principal };
}
