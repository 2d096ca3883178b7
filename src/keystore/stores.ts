import forge from 'node-forge';
import { usageError } from '../errors.js';
import { privateKeyToPkcs8Pem } from '../pki/keys.js';
import { buildJksKeystore, buildJksTruststore } from './jks.js';
import { buildKeyEntryPkcs12, buildTruststorePkcs12 } from './pkcs12.js';

export const STORE_TYPES = ['jks', 'pkcs12', 'pem'] as const;
export type StoreType = (typeof STORE_TYPES)[number];

export function parseStoreType(raw: string): StoreType {
  const type = raw.trim().toLowerCase();
  if (!(STORE_TYPES as readonly string[]).includes(type)) {
    throw usageError(`invalid --store-type "${raw}": use jks, pkcs12 or pem`);
  }
  return type as StoreType;
}

/** What Kafka's ssl.keystore.type / ssl.truststore.type call each kind. */
export const KAFKA_STORE_TYPE: Record<StoreType, string> = { jks: 'JKS', pkcs12: 'PKCS12', pem: 'PEM' };

/** Kafka refuses store passwords with PEM stores (KIP-651); the others need them. */
export function storeHasPasswords(type: StoreType): boolean {
  return type !== 'pem';
}

export interface TrustedCa {
  cert: forge.pki.Certificate;
  pem: string;
}

/** The truststore holding every trusted CA; identical for every identity of a run, so built once. */
export async function buildTruststore(type: StoreType, cas: TrustedCa[], password: string): Promise<Buffer> {
  const alias = (index: number) => (index === 0 ? 'ca' : `ca-${index + 1}`);
  switch (type) {
    case 'jks':
      return buildJksTruststore({ caPems: cas.map((ca) => ca.pem), password });
    case 'pkcs12':
      return buildTruststorePkcs12({ caCerts: cas.map((ca, index) => ({ cert: ca.cert, alias: alias(index) })), password });
    case 'pem':
      return Buffer.from(cas.map((ca) => ca.pem).join(''));
  }
}

/**
 * The key entry: JKS and PKCS#12 are written in-process (no JVM). The PEM keystore is the PKCS#8 key followed by the chain,
 * leaf first, as Kafka's PEM loader expects.
 */
export async function buildKeystore(
  type: StoreType,
  input: { key: forge.pki.rsa.PrivateKey; chain: forge.pki.Certificate[]; alias: string; password: string },
): Promise<Buffer> {
  switch (type) {
    case 'jks':
      return buildJksKeystore({ pkcs8: der(forge.pki.wrapRsaPrivateKey(forge.pki.privateKeyToAsn1(input.key))), chain: input.chain.map((cert) => der(forge.pki.certificateToAsn1(cert))), alias: input.alias, password: input.password });
    case 'pkcs12':
      return buildKeyEntryPkcs12(input);
    case 'pem':
      return Buffer.from(privateKeyToPkcs8Pem(input.key) + input.chain.map((cert) => forge.pki.certificateToPem(cert)).join(''));
  }
}

function der(object: forge.asn1.Asn1): Buffer {
  return Buffer.from(forge.asn1.toDer(object).getBytes(), 'binary');
}
