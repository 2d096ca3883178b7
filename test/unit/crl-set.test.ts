import { describe, expect, it } from 'vitest';
import { createFileCa, FileCa } from '../../src/authority/file-ca.js';
import { crlBlocks, crlsIssuedBy, joinCrls } from '../../src/pki/crl-set.js';
import { pkiLayout } from '../../src/store/layout.js';
import { tempDir } from '../helpers/samctl.js';

const A = '-----BEGIN X509 CRL-----\r\nQUFB\r\n-----END X509 CRL-----\r\n';
const B = '-----BEGIN X509 CRL-----\nQkJC\n-----END X509 CRL-----';

describe('the CRL file: one CRL per trusted CA in one PEM file', () => {
  it('splits a file into its CRL blocks, in order, each ending with a newline; anything else is dropped', () => {
    expect(crlBlocks(`# comment\n${A}junk\n${B}`)).toEqual([A, `${B}\n`]);
    expect(crlBlocks('')).toEqual([]);
    expect(crlBlocks('-----BEGIN CERTIFICATE-----\nQUFB\n-----END CERTIFICATE-----\n')).toEqual([]);
  });

  it('joins blocks back into one file, newline-terminated', () => {
    expect(joinCrls([A, B])).toBe(`${A}${B}\n`);
    expect(joinCrls([])).toBe('');
  });

  it('keeps the CRLs a CA signed and drops another CA\'s, by issuer name', async () => {
    const now = new Date();
    const window = { thisUpdate: now, nextUpdate: new Date(now.getTime() + 86_400_000), number: 7 };
    const make = async (cn: string) => {
      const made = await createFileCa({ dn: { cn, o: 'Ynformed' }, days: 30, keySize: 2048, passphrase: 'p', now });
      const signer = await FileCa.unlock({ cert: made.cert, certPem: made.certPem, keyPem: made.keyPem, truststorePassword: 'unused' }, 'p', pkiLayout(tempDir('samctl-crl-set-')));
      return { certPem: made.certPem, crl: await signer.signCrl([], window) };
    };
    const [current, retired] = await Promise.all([make('CA G2'), make('CA')]);
    const file = joinCrls([current.crl, retired.crl]);
    expect(await crlsIssuedBy(file, current.certPem)).toEqual(crlBlocks(current.crl));
    expect(await crlsIssuedBy(file, retired.certPem)).toEqual(crlBlocks(retired.crl));
    expect(await crlsIssuedBy(retired.crl, current.certPem)).toEqual([]);
  });
});
