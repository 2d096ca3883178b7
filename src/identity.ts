import { operationError } from './errors.js';
import forge from 'node-forge';
import type { LeafProfile, Signer } from './authority/signer.js';
import { buildKeystore, type StoreType } from './keystore/stores.js';
import { createCsr, type DistinguishedName } from './pki/certificates.js';
import { certificatePrincipal, summarizeCertificate } from './pki/inspect.js';
import { generateKeyPair, keyPairFromPem, privateKeyToPkcs8Pem, type KeyPair } from './pki/keys.js';
import { sanToString, type SubjectAltName } from './pki/names.js';
import { principalLabel, type PrincipalResult, type PrincipalRules } from './pki/principal.js';
import { validityWindow } from './pki/validity.js';
import { renderIdentityConfigs, type ConfigInput } from './render/identity-configs.js';
import { generateStorePassword } from './secrets.js';
import type { EnginePublished } from './store/engine-state.js';
import type { IdentityRecord, SaslSettings, SecretsMode } from './store/inventory.js';
import { join } from 'node:path';
import { hostPlacement, identityCrlName, identityFileNames, PUBLIC, SECRET, type FileSpec, type IdentityKind, type PkiLayout } from './store/layout.js';

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
  /** Brokers: write the KRaft authorizer lines (super.users is filled in by issueAndSave). */
  authorizer?: boolean;
  /** Clients: a super user on authorizer brokers. */
  admin?: boolean;
  /** Renewal keeps the store password (automation reads it) and, with --keep-key, the key. */
  storePassword?: string;
  keyPem?: string;
  /** Broker: a SASL_SSL listener beside the mTLS one; client: a SASL user named as the client. */
  sasl?: SaslSettings;
  /** A SASL client's SCRAM password to keep (renewal); absent: a new one is made. */
  scramPassword?: string;
  /** GSSAPI (sasl.kerberos set): the keytab and optional krb5.conf copied into the identity, as given or as kept by renewal. */
  kerberosFiles?: { keytab: Buffer; krb5Conf?: Buffer };
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
  /** The PKI's ssl.principal.mapping.rules: the principal shown, and the line in broker configs. */
  principalRules: PrincipalRules;
  /** ca/crl.pem, once samctl revoke published one: every identity carries a copy, clients name it. */
  crlPem?: string;
}

export interface IssuedIdentity {
  files: FileSpec[];
  record: IdentityRecord;
  /** The broker's principal for it under the PKI's rules, or why the broker refuses it. */
  principal: PrincipalResult;
  /**
   * The files with the configs rendered anew with more input: a broker's super.users names
   * identities signed in the same run, so it is known only once the whole batch is.
   */
  withConfigs(extra: Pick<ConfigInput, 'superUsers'>): FileSpec[];
  /** Set once an engine's KV store holds it (store/engine-state.ts). */
  published?: EnginePublished;
}

/**
 * Everything one identity is made of, in memory: key (`pendingKey` when the caller started
 * it early), CSR, signed certificate, stores and config files. Nothing touches the disk
 * here; store/ writes the result in one step.
 */
export async function issueIdentity(request: IdentityRequest, context: IssueContext, pendingKey?: Promise<KeyPair>): Promise<IssuedIdentity> {
  const { signer, now, layout } = context;
  const keyPair = request.keyPem ? keyPairFromPem(request.keyPem) : await (pendingKey ?? generateKeyPair(request.keySize));
  const csr = createCsr({ keyPair, dn: request.dn, sans: request.sans });
  const profile: LeafProfile = { role: request.kind, dn: request.dn, sans: request.sans, validity: validityWindow(now, request.days) };
  const cert = await signer.sign(csr, profile);
  const storeType = request.storeType;
  const names = identityFileNames(request.kind, storeType, { secrets: request.secrets === 'file', sasl: request.sasl });
  const storePassword = request.storePassword ?? generateStorePassword();
  const keystore = await buildKeystore(storeType, { key: keyPair.privateKey, chain: [cert, signer.issuer.cert], alias: request.name, password: storePassword });
  const truststore = context.truststores[storeType];
  if (!truststore) throw operationError(`no ${storeType} truststore was built for this run`, 'run the command again; if it repeats, report it with SAMCTL_DEBUG=1');
  const leafPem = forge.pki.certificateToPem(cert);
  const principal = certificatePrincipal(cert, context.principalRules);
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
  if (request.sasl?.kerberos) {
    if (!request.kerberosFiles || !names.keytab) throw operationError(`${request.kind} ${request.name} uses GSSAPI but its keytab is missing`, `issue it anew with --keytab: ${request.kind} issue ${request.name} --force`);
    // The keytab is the identity's Kerberos secret: 0600 like its private key.
    files.push({ name: names.keytab, content: request.kerberosFiles.keytab, mode: SECRET });
    if (names.krb5Conf && request.kerberosFiles.krb5Conf) files.push({ name: names.krb5Conf, content: request.kerberosFiles.krb5Conf, mode: PUBLIC });
  }
  const configInput: ConfigInput = {
    kind: request.kind,
    name: request.name,
    principal: principalLabel(principal),
    storeType,
    secrets: request.secrets,
    hostPath: placement.path,
    names,
    keystorePassword: storePassword,
    truststorePassword: context.truststorePassword,
    sasl: request.sasl,
    // Made like a store password (32 base64url characters): nothing in it needs quoting in JAAS or librdkafka files.
    scramPassword: request.kind === 'client' && request.sasl && !request.sasl.kerberos ? (request.scramPassword ?? generateStorePassword()) : undefined,
    principalRules: context.principalRules.setting,
    crlFile: context.crlPem === undefined ? undefined : join(placement.dir, identityCrlName(request.kind, { prefixed: request.installDir !== undefined })),
  };
  if (context.crlPem !== undefined) files.push({ name: identityCrlName(request.kind), content: context.crlPem, mode: PUBLIC });
  const configs = renderIdentityConfigs(configInput);
  files.push(...configs);
  const configNames = new Set(configs.map((file) => file.name));
  const withConfigs = (extra: Pick<ConfigInput, 'superUsers'>) => [...files.filter((file) => !configNames.has(file.name)), ...renderIdentityConfigs({ ...configInput, ...extra })];

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
    ...(request.sasl ? { sasl: request.sasl } : {}),
    status: 'active',
    ...(request.kind === 'broker' && request.authorizer ? { authorizer: true as const } : {}),
    ...(request.kind === 'client' && request.admin ? { admin: true as const } : {}),
  };
  return { files, record, principal, withConfigs };
}
