import { X509Certificate } from 'node:crypto';

/**
 * ca/crl.pem holds one CRL per trusted CA, concatenated: OpenSSL (and librdkafka's
 * ssl.crl.location, which loads the file with X509_load_cert_crl_file) reads every "X509 CRL"
 * block of one PEM file, and with CRL checking wants a CRL from the issuer of each certificate
 * it checks ("unable to get certificate CRL" otherwise). During a CA rotation that is two.
 */

const CRL_BLOCK = /-----BEGIN X509 CRL-----\r?\n[\s\S]*?-----END X509 CRL-----\r?\n?/g;

/** The CRL blocks of a PEM text, each ending with a newline, in file order. */
export function crlBlocks(text: string): string[] {
  return [...text.matchAll(CRL_BLOCK)].map((match) => (match[0].endsWith('\n') ? match[0] : `${match[0]}\n`));
}

/** One file from CRLs, in the given order (the current CA's first). */
export function joinCrls(blocks: string[]): string {
  return blocks.map((block) => (block.endsWith('\n') ? block : `${block}\n`)).join('');
}

/** The blocks of `text` whose issuer is the subject of `caPem` (name compared as DER, as OpenSSL matches a CRL to a CA). */
export async function crlsIssuedBy(text: string, caPem: string): Promise<string[]> {
  const pkijs = await import('pkijs');
  const subject = pkijs.Certificate.fromBER(new X509Certificate(caPem).raw).subject;
  return crlBlocks(text).filter((block) => {
    const body = block.replace(/-----(BEGIN|END) X509 CRL-----/g, '').replace(/\s+/g, '');
    const crl = pkijs.CertificateRevocationList.fromBER(Buffer.from(body, 'base64'));
    return crl.issuer.isEqual(subject);
  });
}
