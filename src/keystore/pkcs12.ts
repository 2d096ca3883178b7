import forge from 'node-forge';
import '../pki/native-pbkdf2.js';
import '../pki/native-pkcs12-kdf.js';

const { asn1, pki } = forge;

/**
 * A PKCS#12 holding one key entry and its chain (leaf first). friendlyName becomes the Java
 * alias; forge's local key id must stay on, or keytool sees a chain of length 0. The key is
 * PBES2/AES-256 with HMAC-SHA256 (10,000 PBKDF2 iterations, Java's default), which Java 17 and
 * OpenSSL 3 read without legacy providers; forge leaves the certificates unencrypted (no RC2-40,
 * which OpenSSL 3 refuses). forge's own MAC is HMAC-SHA1; this one is `macData`'s.
 */
export function buildKeyEntryPkcs12(input: {
  key: forge.pki.rsa.PrivateKey;
  chain: forge.pki.Certificate[];
  password: string;
  alias: string;
}): Buffer {
  const pfx = forge.pkcs12.toPkcs12Asn1(input.key, input.chain, input.password, {
    algorithm: 'aes256',
    friendlyName: input.alias,
    generateLocalKeyId: true,
    count: 10_000,
    prfAlgorithm: 'sha256',
    useMac: false,
  } as Parameters<typeof forge.pkcs12.toPkcs12Asn1>[3]);
  // PFX ::= SEQUENCE { version, authSafe ContentInfo (data: [0] OCTET STRING), macData }
  const [version, authSafe] = pfx.value as forge.asn1.Asn1[];
  const content = ((authSafe!.value as forge.asn1.Asn1[])[1]!.value as forge.asn1.Asn1[])[0]!.value as string;
  return derBuffer(seq([version!, authSafe!, macData(content, input.password)]));
}

/**
 * Java only treats a certificate in a PKCS#12 file as a trustedCertEntry when its bag
 * carries Oracle's trusted-key-usage attribute (JDK PKCS12KeyStore, "TrustedKeyUsage");
 * without it the truststore looks empty to Kafka. forge cannot add bag attributes of its
 * own, so this file is put together from forge's ASN.1 parts per RFC 7292.
 */
const ORACLE_TRUSTED_KEY_USAGE = '2.16.840.1.113894.746875.1.1';
const ANY_EXTENDED_KEY_USAGE = '2.5.29.37.0';

export function buildTruststorePkcs12(input: { caCerts: Array<{ cert: forge.pki.Certificate; alias: string }>; password: string }): Buffer {
  const bags = input.caCerts.map(({ cert, alias }) =>
    seq([
      oid(pki.oids.certBag),
      explicit(0, [
        seq([oid(pki.oids.x509Certificate), explicit(0, [octets(asn1.toDer(pki.certificateToAsn1(cert)).getBytes())])]),
      ]),
      set([
        attribute(pki.oids.friendlyName, asn1.create(asn1.Class.UNIVERSAL, asn1.Type.BMPSTRING, false, alias)),
        attribute(ORACLE_TRUSTED_KEY_USAGE, oid(ANY_EXTENDED_KEY_USAGE)),
      ]),
    ]),
  );
  const authenticatedSafe = seq([dataContentInfo(asn1.toDer(seq(bags)).getBytes())]);
  const authenticatedSafeDer = asn1.toDer(authenticatedSafe).getBytes();

  const pfx = seq([asn1.create(asn1.Class.UNIVERSAL, asn1.Type.INTEGER, false, asn1.integerToDer(3).getBytes()), dataContentInfo(authenticatedSafeDer), macData(authenticatedSafeDer, input.password)]);
  return derBuffer(pfx);
}

/**
 * The store's integrity MAC (RFC 7292 §4 MacData): HMAC-SHA256 over the AuthenticatedSafe, its
 * key from the store password by RFC 7292 appendix B (ID 3), as Java 17 and OpenSSL 3 write it.
 * 2,048 iterations, OpenSSL 3's default (`openssl pkcs12 -export`); Java writes 10,000. The count
 * only slows a guess of the password, and the store passwords samctl makes are 192 random bits,
 * out of reach of guessing at any count; Node has no native PKCS#12 KDF, so each iteration is a call
 * into OpenSSL (~2 µs), and 10,000 of them cost as much as the rest of the keystore.
 */
export const PKCS12_MAC_ITERATIONS = 2048;

function macData(authenticatedSafeDer: string, password: string): forge.asn1.Asn1 {
  const salt = forge.random.getBytesSync(16);
  // RFC 7292 appendix B key derivation, ID 3 = MAC key
  const macKey = forge.pkcs12.generateKey(password, forge.util.createBuffer(salt), 3, PKCS12_MAC_ITERATIONS, 32, forge.md.sha256.create());
  const hmac = forge.hmac.create();
  hmac.start('sha256', macKey.getBytes());
  hmac.update(authenticatedSafeDer);
  return seq([
    seq([seq([oid(pki.oids.sha256), asn1.create(asn1.Class.UNIVERSAL, asn1.Type.NULL, false, '')]), octets(hmac.digest().getBytes())]),
    octets(salt),
    asn1.create(asn1.Class.UNIVERSAL, asn1.Type.INTEGER, false, asn1.integerToDer(PKCS12_MAC_ITERATIONS).getBytes()),
  ]);
}

function derBuffer(object: forge.asn1.Asn1): Buffer {
  return Buffer.from(asn1.toDer(object).getBytes(), 'binary');
}

function seq(value: forge.asn1.Asn1[]) {
  return asn1.create(asn1.Class.UNIVERSAL, asn1.Type.SEQUENCE, true, value);
}
function set(value: forge.asn1.Asn1[]) {
  return asn1.create(asn1.Class.UNIVERSAL, asn1.Type.SET, true, value);
}
function oid(id: string) {
  return asn1.create(asn1.Class.UNIVERSAL, asn1.Type.OID, false, asn1.oidToDer(id).getBytes());
}
function octets(bytes: string) {
  return asn1.create(asn1.Class.UNIVERSAL, asn1.Type.OCTETSTRING, false, bytes);
}
function explicit(tag: number, value: forge.asn1.Asn1[]) {
  return asn1.create(asn1.Class.CONTEXT_SPECIFIC, tag, true, value);
}
function attribute(id: string, value: forge.asn1.Asn1) {
  return seq([oid(id), set([value])]);
}
function dataContentInfo(der: string) {
  return seq([oid(pki.oids.data), explicit(0, [octets(der)])]);
}
