import forge from 'node-forge';

/**
 * A PKCS#12 holding one key entry and its chain (leaf first). friendlyName becomes the Java
 * alias; forge's local key id must stay on, or keytool sees a chain of length 0.
 * 3DES is what keytool 8+ and OpenSSL 3 both read without legacy providers.
 */
export function buildKeyEntryPkcs12(input: {
  key: forge.pki.rsa.PrivateKey;
  chain: forge.pki.Certificate[];
  password: string;
  alias: string;
}): Buffer {
  const asn1 = forge.pkcs12.toPkcs12Asn1(input.key, input.chain, input.password, {
    algorithm: '3des',
    friendlyName: input.alias,
    generateLocalKeyId: true,
  });
  return Buffer.from(forge.asn1.toDer(asn1).getBytes(), 'binary');
}
