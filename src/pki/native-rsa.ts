import { constants, createPrivateKey, privateEncrypt, type KeyObject } from 'node:crypto';
import forge from 'node-forge';

/**
 * forge signs with its pure-JavaScript RSA: ~17 ms a signature with a 2048-bit key, several
 * times that with a 4096-bit CA key, and an identity takes two (its CSR, its certificate).
 * This routes RSASSA-PKCS1-v1_5 signatures of every forge private key made after it is
 * installed to OpenSSL: the same DigestInfo and the same padding (block type 1), so the same
 * bytes (PKCS#1 v1.5 signatures are deterministic), in well under a millisecond. Other
 * schemes (PSS, 'NONE') and keys OpenSSL refuses to import go to forge's own code.
 */
type PrivateKey = forge.pki.rsa.PrivateKey;
type SetPrivateKey = ((...parts: forge.jsbn.BigInteger[]) => PrivateKey) & { native?: true };

const pki = forge.pki as unknown as { setRsaPrivateKey: SetPrivateKey; rsa: { setPrivateKey: SetPrivateKey }; oids: Record<string, string> };
const { asn1 } = forge;

export function installNativeRsaSigning(): void {
  if (pki.setRsaPrivateKey.native) return;
  const forgeSetPrivateKey = pki.setRsaPrivateKey;
  const routed: SetPrivateKey = (...parts) => {
    const key = forgeSetPrivateKey(...parts);
    const forgeSign = key.sign.bind(key);
    let keyObject: KeyObject | null | undefined;
    key.sign = (md: forge.md.MessageDigest, scheme?: unknown) => {
      const pkcs1 = scheme === undefined || (typeof scheme === 'string' && scheme.toUpperCase() === 'RSASSA-PKCS1-V1_5');
      const info = pkcs1 ? digestInfo(md) : undefined;
      if (keyObject === undefined) keyObject = info ? toKeyObject(key) : undefined;
      if (!info || !keyObject) return forgeSign(md, scheme as string);
      return privateEncrypt({ key: keyObject, padding: constants.RSA_PKCS1_PADDING }, info).toString('binary');
    };
    return key;
  };
  routed.native = true;
  pki.setRsaPrivateKey = routed;
  pki.rsa.setPrivateKey = routed;
}

/** RFC 8017 §9.2 step 2, as forge's emsaPkcs1v15encode writes it (parameters NULL). */
function digestInfo(md: forge.md.MessageDigest): Buffer | undefined {
  const oid = pki.oids[md.algorithm];
  if (!oid) return undefined;
  const { Class, Type } = asn1;
  const der = asn1.toDer(
    asn1.create(Class.UNIVERSAL, Type.SEQUENCE, true, [
      asn1.create(Class.UNIVERSAL, Type.SEQUENCE, true, [
        asn1.create(Class.UNIVERSAL, Type.OID, false, asn1.oidToDer(oid).getBytes()),
        asn1.create(Class.UNIVERSAL, Type.NULL, false, ''),
      ]),
      asn1.create(Class.UNIVERSAL, Type.OCTETSTRING, false, md.digest().getBytes()),
    ]),
  );
  return Buffer.from(der.getBytes(), 'binary');
}

/** The same key for OpenSSL, through JWK (RFC 7518 §6.3); null when OpenSSL will not take it. */
function toKeyObject(key: PrivateKey): KeyObject | null {
  const b64 = (value: forge.jsbn.BigInteger) => {
    const hex = value.toString(16);
    return Buffer.from(hex.length % 2 ? `0${hex}` : hex, 'hex').toString('base64url');
  };
  try {
    return createPrivateKey({
      format: 'jwk',
      key: { kty: 'RSA', n: b64(key.n), e: b64(key.e), d: b64(key.d), p: b64(key.p), q: b64(key.q), dp: b64(key.dP), dq: b64(key.dQ), qi: b64(key.qInv) },
    });
  } catch {
    return null;
  }
}

installNativeRsaSigning();
