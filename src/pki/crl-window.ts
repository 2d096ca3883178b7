import forge from 'node-forge';
import { operationError } from '../errors.js';
import type { CrlWindow } from '../authority/signer.js';

/**
 * What a signed CRL says about itself: thisUpdate, nextUpdate and its cRLNumber. A CRL signed by
 * an engine carries the engine's own window and number, not the ones samctl proposed: the
 * inventory records these so `status` and the next `samctl crl` follow the published file.
 */
export async function readCrlWindow(pem: string, source: string): Promise<CrlWindow & { serials: string[] }> {
  const [pkijs, asn1js] = await Promise.all([import('pkijs'), import('asn1js')]);
  let crl: InstanceType<typeof pkijs.CertificateRevocationList>;
  try {
    const der = Buffer.from(forge.pem.decode(pem).find((block) => block.type === 'X509 CRL')!.body, 'binary');
    crl = pkijs.CertificateRevocationList.fromBER(der);
  } catch {
    throw operationError(`${source} did not give a readable CRL`, 'run the command again; if it persists, check the engine\'s CRL settings');
  }
  const numberExtension = crl.crlExtensions?.extensions.find((extension) => extension.extnID === pkijs.id_CRLNumber);
  const number = numberExtension ? (asn1js.fromBER(numberExtension.extnValue.getValue()).result as InstanceType<typeof asn1js.Integer>).valueBlock.valueDec : 0;
  if (!crl.nextUpdate) throw operationError(`${source} gave a CRL without nextUpdate`, 'set the CRL expiry in the engine (samctl crl does)');
  return {
    thisUpdate: crl.thisUpdate.value,
    nextUpdate: crl.nextUpdate.value,
    number,
    serials: (crl.revokedCertificates ?? []).map((entry) => Buffer.from(entry.userCertificate.valueBlock.valueHexView).toString('hex')),
  };
}
