import { X509Certificate, createPrivateKey, createPublicKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import forge from 'node-forge';
import { describe, expect, it } from 'vitest';
import { createCaCertificate, createCsr, requestedSans, signCsr } from '../../src/pki/certificates.js';
import { keyPairFromPem } from '../../src/pki/keys.js';
import { validityWindow } from '../../src/pki/validity.js';

/*
 * Byte-exact certificates. Fixed keys (fixtures/*.key.pem, RSA-2048 PKCS#8 from
 * `openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048`), a fixed `now` and fixed
 * serials; PKCS#1 v1.5 signatures are deterministic, so the DER is the same on every run.
 *
 * fixtures/{ca,broker,client}.der were built once by this very code and then read by
 * OpenSSL 3.0.19 (`openssl x509 -inform DER -text -noout`, `openssl asn1parse`, and
 * `openssl verify -x509_strict -attime 1748736000 -purpose sslserver|sslclient`: broker OK
 * for both, client OK for sslclient and refused for sslserver). The literal values below
 * are what OpenSSL printed; they are checked against the fixture through node's
 * X509Certificate (OpenSSL again), so a regenerated fixture that differs fails here, not
 * only at the byte comparison.
 *
 * openssl x509 -text, CA:
 *   Issuer: O = Ynformed, CN = samctl Kafka CA
 *   Not Before: Mar  1 11:59:00 2025 GMT / Not After : Feb 27 12:00:00 2035 GMT
 *   Subject: O = Ynformed, CN = samctl Kafka CA
 *   X509v3 Basic Constraints: critical
 *       CA:TRUE
 *   X509v3 Key Usage: critical
 *       Certificate Sign, CRL Sign
 *   X509v3 Subject Key Identifier:
 *       A8:DC:FD:95:11:8B:21:DD:9E:6C:44:91:6C:FD:D6:DD:93:07:51:CD
 * broker:
 *   Issuer: O = Ynformed, CN = samctl Kafka CA
 *   Not Before: Mar  1 11:59:00 2025 GMT / Not After : Mar  1 12:00:00 2026 GMT
 *   Subject: O = Ynformed, CN = sam01.ynformed.nl
 *   X509v3 Basic Constraints: critical
 *       CA:FALSE
 *   X509v3 Key Usage: critical
 *       Digital Signature, Key Encipherment
 *   X509v3 Extended Key Usage:
 *       TLS Web Server Authentication, TLS Web Client Authentication
 *   X509v3 Subject Key Identifier:
 *       17:FF:08:E3:80:6B:68:78:88:B3:9D:0F:46:15:AA:4A:AB:C1:68:C5
 *   X509v3 Authority Key Identifier:
 *       A8:DC:FD:95:11:8B:21:DD:9E:6C:44:91:6C:FD:D6:DD:93:07:51:CD
 *   X509v3 Subject Alternative Name:
 *       DNS:sam01.ynformed.nl, IP Address:10.0.0.11
 * client: as the broker, but
 *   Subject: O = Ynformed, OU = Analytics, CN = prediction-service
 *   X509v3 Extended Key Usage:
 *       TLS Web Client Authentication
 *   (no Subject Alternative Name)
 */

const fixture = (name: string) => readFileSync(new URL(`fixtures/${name}`, import.meta.url));

const NOW = new Date('2025-03-01T12:00:00.000Z');
const CA_SERIAL = '0102030405060708090a0b0c0d0e0f1011';
const BROKER_SERIAL = '2122232425262728292a2b2c2d2e2f3031';
const CLIENT_SERIAL = '4142434445464748494a4b4c4d4e4f5051';

const SERVER_AUTH = '1.3.6.1.5.5.7.3.1';
const CLIENT_AUTH = '1.3.6.1.5.5.7.3.2';

// Whole extensions, DER-encoded by hand from RFC 5280 (SEQUENCE { OID, critical TRUE, OCTET STRING { value } }).
const EXT = {
  // 2.5.29.19 basicConstraints, critical, SEQUENCE { cA TRUE }
  caTrueCritical: '300f0603551d130101ff040530030101ff',
  // 2.5.29.19 basicConstraints, critical, empty SEQUENCE (cA defaults to FALSE)
  caFalseCritical: '300c0603551d130101ff04023000',
  // 2.5.29.15 keyUsage, critical, BIT STRING bits 5,6 (keyCertSign, cRLSign) = 0x06, 1 unused bit
  keyCertSignCrlSignCritical: '300e0603551d0f0101ff040403020106',
  // 2.5.29.15 keyUsage, critical, BIT STRING bits 0,2 (digitalSignature, keyEncipherment) = 0xa0, 5 unused bits
  digitalSignatureKeyEnciphermentCritical: '300e0603551d0f0101ff0404030205a0',
  // 2.5.29.37 extKeyUsage, not critical
  ekuServerClient: '301d0603551d25041630140608' + '2b06010505070301' + '0608' + '2b06010505070302',
  ekuClientOnly: '30130603551d25040c300a0608' + '2b06010505070302',
  // id-kp-serverAuth as it appears anywhere in a certificate
  serverAuthOid: '06082b06010505070301',
  // 2.5.29.17 subjectAltName, tag 0x82 dNSName "sam01.ynformed.nl", tag 0x87 iPAddress 0a00000b
  sanBroker: '30220603551d11041b3019821173616d30312e796e666f726d65642e6e6c87040a00000b',
  sanOid: '0603551d11',
  // 2.5.29.35 authorityKeyIdentifier [0] keyIdentifier = the CA's SKI
  akiFromCa: '301f0603551d23041830168014a8dcfd95118b21dd9e6c44916cfdd6dd930751cd',
};

const contains = (der: Buffer, hex: string) => der.includes(Buffer.from(hex, 'hex'));

function toDer(cert: forge.pki.Certificate): Buffer {
  return Buffer.from(forge.asn1.toDer(forge.pki.certificateToAsn1(cert)).getBytes(), 'binary');
}

const caPem = readFileSync(new URL('fixtures/ca.key.pem', import.meta.url), 'utf8');
const leafPem = readFileSync(new URL('fixtures/leaf.key.pem', import.meta.url), 'utf8');
const caKeys = keyPairFromPem(caPem);
const leafKeys = keyPairFromPem(leafPem);

function buildCa(): forge.pki.Certificate {
  return createCaCertificate({ keyPair: caKeys, dn: { cn: 'samctl Kafka CA', o: 'Ynformed' }, validity: validityWindow(NOW, 3650), serialHex: CA_SERIAL });
}

function buildBroker(ca: forge.pki.Certificate): forge.pki.Certificate {
  const csr = createCsr({
    keyPair: leafKeys,
    dn: { cn: 'sam01.ynformed.nl', o: 'Ynformed' },
    sans: [
      { type: 'dns', value: 'sam01.ynformed.nl' },
      { type: 'ip', value: '10.0.0.11' },
    ],
  });
  return signCsr({ csr, ca: { cert: ca, key: caKeys.privateKey }, role: 'broker', validity: validityWindow(NOW, 365), serialHex: BROKER_SERIAL });
}

function buildClient(ca: forge.pki.Certificate): forge.pki.Certificate {
  const csr = createCsr({ keyPair: leafKeys, dn: { cn: 'prediction-service', o: 'Ynformed', ou: 'Analytics' }, sans: [] });
  return signCsr({ csr, ca: { cert: ca, key: caKeys.privateKey }, role: 'client', validity: validityWindow(NOW, 365), serialHex: CLIENT_SERIAL });
}

describe('the fixture certificates say what OpenSSL read in them', () => {
  const caDer = fixture('ca.der');
  const ca = new X509Certificate(caDer);

  it('the keys are the committed RSA-2048 fixtures (SKI = SHA-1 of the PKCS#1 public key)', () => {
    expect(createPrivateKey(caPem).asymmetricKeyDetails).toEqual({ modulusLength: 2048, publicExponent: 65537n });
    expect(createPrivateKey(leafPem).asymmetricKeyDetails).toEqual({ modulusLength: 2048, publicExponent: 65537n });
    expect(ca.publicKey.equals(createPublicKey(caPem))).toBe(true);
  });

  it('CA: self-signed, CA:TRUE critical, keyCertSign + cRLSign critical, no EKU, no SAN', () => {
    expect(ca.subject).toBe('O=Ynformed\nCN=samctl Kafka CA');
    expect(ca.issuer).toBe('O=Ynformed\nCN=samctl Kafka CA');
    expect(ca.serialNumber).toBe('0102030405060708090A0B0C0D0E0F1011');
    expect(ca.validFrom).toBe('Mar  1 11:59:00 2025 GMT');
    expect(ca.validTo).toBe('Feb 27 12:00:00 2035 GMT');
    expect(ca.ca).toBe(true);
    expect(ca.keyUsage).toBeUndefined();
    expect(ca.subjectAltName).toBeUndefined();
    expect(ca.checkIssued(ca)).toBe(true);
    expect(ca.verify(createPublicKey(caPem))).toBe(true);
    expect(ca.checkPrivateKey(createPrivateKey(caPem))).toBe(true);
    expect(contains(caDer, EXT.caTrueCritical)).toBe(true);
    expect(contains(caDer, EXT.keyCertSignCrlSignCritical)).toBe(true);
    // subjectKeyIdentifier: OCTET STRING { OCTET STRING a8dc… }
    expect(contains(caDer, '0603551d0e04160414a8dcfd95118b21dd9e6c44916cfdd6dd930751cd')).toBe(true);
    expect(ca.fingerprint256).toBe('4A:6B:92:29:52:EB:F4:05:EC:3F:D1:AE:92:60:A3:2B:35:FA:42:CE:B7:AF:17:F5:AF:51:F9:16:2C:3C:18:1F');
  });

  it('broker: issued by the CA, DNS + IP SAN, serverAuth and clientAuth, CA:FALSE critical', () => {
    const der = fixture('broker.der');
    const broker = new X509Certificate(der);
    expect(broker.subject).toBe('O=Ynformed\nCN=sam01.ynformed.nl');
    expect(broker.issuer).toBe('O=Ynformed\nCN=samctl Kafka CA');
    expect(broker.serialNumber).toBe('2122232425262728292A2B2C2D2E2F3031');
    expect(broker.validFrom).toBe('Mar  1 11:59:00 2025 GMT');
    expect(broker.validTo).toBe('Mar  1 12:00:00 2026 GMT');
    expect(broker.subjectAltName).toBe('DNS:sam01.ynformed.nl, IP Address:10.0.0.11');
    expect(broker.keyUsage).toEqual([SERVER_AUTH, CLIENT_AUTH]);
    expect(broker.ca).toBe(false);
    expect(broker.checkIssued(ca)).toBe(true);
    expect(broker.verify(ca.publicKey)).toBe(true);
    expect(broker.verify(createPublicKey(leafPem))).toBe(false);
    expect(broker.checkPrivateKey(createPrivateKey(leafPem))).toBe(true);
    expect(broker.checkHost('sam01.ynformed.nl')).toBe('sam01.ynformed.nl');
    expect(broker.checkHost('sam02.ynformed.nl')).toBeUndefined();
    expect(broker.checkIP('10.0.0.11')).toBe('10.0.0.11');
    expect(contains(der, EXT.caFalseCritical)).toBe(true);
    expect(contains(der, EXT.digitalSignatureKeyEnciphermentCritical)).toBe(true);
    expect(contains(der, EXT.ekuServerClient)).toBe(true);
    expect(contains(der, EXT.sanBroker)).toBe(true);
    expect(contains(der, EXT.akiFromCa)).toBe(true);
    expect(broker.fingerprint256).toBe('F7:CB:5E:7A:A3:BD:DE:29:EF:CF:AF:D1:C6:15:03:35:3C:04:90:25:DE:C8:91:7C:27:1F:04:81:97:29:34:2D');
  });

  it('client: issued by the CA, no SAN, clientAuth only (never serverAuth), CA:FALSE critical', () => {
    const der = fixture('client.der');
    const client = new X509Certificate(der);
    expect(client.subject).toBe('O=Ynformed\nOU=Analytics\nCN=prediction-service');
    expect(client.issuer).toBe('O=Ynformed\nCN=samctl Kafka CA');
    expect(client.serialNumber).toBe('4142434445464748494A4B4C4D4E4F5051');
    expect(client.validFrom).toBe('Mar  1 11:59:00 2025 GMT');
    expect(client.validTo).toBe('Mar  1 12:00:00 2026 GMT');
    expect(client.subjectAltName).toBeUndefined();
    expect(client.keyUsage).toEqual([CLIENT_AUTH]);
    expect(client.ca).toBe(false);
    expect(client.checkIssued(ca)).toBe(true);
    expect(client.verify(ca.publicKey)).toBe(true);
    expect(contains(der, EXT.caFalseCritical)).toBe(true);
    expect(contains(der, EXT.digitalSignatureKeyEnciphermentCritical)).toBe(true);
    expect(contains(der, EXT.ekuClientOnly)).toBe(true);
    expect(contains(der, EXT.serverAuthOid)).toBe(false);
    expect(contains(der, EXT.sanOid)).toBe(false);
    expect(contains(der, EXT.akiFromCa)).toBe(true);
    expect(client.fingerprint256).toBe('DC:B4:16:24:16:7F:B2:98:0C:4B:9F:E5:26:4D:00:11:52:65:F3:FC:98:0F:36:C4:CB:F8:3A:49:A7:6B:06:E9');
  });
});

describe('createCaCertificate, createCsr and signCsr build exactly the fixture bytes', () => {
  const ca = buildCa();

  it('the CA certificate', () => {
    expect(toDer(ca).toString('hex')).toBe(fixture('ca.der').toString('hex'));
  });

  it('a broker leaf with a DNS and an IP SAN', () => {
    expect(toDer(buildBroker(ca)).toString('hex')).toBe(fixture('broker.der').toString('hex'));
  });

  it('a client leaf without SANs', () => {
    expect(toDer(buildClient(ca)).toString('hex')).toBe(fixture('client.der').toString('hex'));
  });

  it('the CSR carries the SANs as an extension request, the client CSR none', () => {
    const csr = createCsr({ keyPair: leafKeys, dn: { cn: 'sam01.ynformed.nl' }, sans: [{ type: 'dns', value: 'sam01.ynformed.nl' }, { type: 'ip', value: '2001:db8::11' }] });
    expect(requestedSans(csr)).toEqual([
      { type: 'dns', value: 'sam01.ynformed.nl' },
      { type: 'ip', value: '2001:db8::11' },
    ]);
    expect(requestedSans(createCsr({ keyPair: leafKeys, dn: { cn: 'prediction-service' }, sans: [] }))).toEqual([]);
  });

  it('refuses a CSR whose subject was altered after signing', () => {
    const csr = createCsr({ keyPair: leafKeys, dn: { cn: 'sam01.ynformed.nl' }, sans: [] });
    const der = Buffer.from(forge.asn1.toDer(forge.pki.certificationRequestToAsn1(csr)).getBytes(), 'binary');
    const at = der.indexOf('sam01.ynformed.nl');
    expect(at).toBeGreaterThan(0);
    der[at + 4] = '2'.charCodeAt(0); // sam01 → sam02
    const altered = forge.pki.certificationRequestFromAsn1(forge.asn1.fromDer(der.toString('binary'))) as forge.pki.CertificateSigningRequest;
    expect(altered.subject.getField('CN').value).toBe('sam02.ynformed.nl');
    expect(() =>
      signCsr({ csr: altered, ca: { cert: ca, key: caKeys.privateKey }, role: 'broker', validity: validityWindow(NOW, 365), serialHex: BROKER_SERIAL }),
    ).toThrow('the certificate request is not signed by its own key');
  });
});
