import type { SubjectAltName } from './names.js';

export type LeafRole = 'broker' | 'client';

/** What a CA certificate carries (RFC 5280 §4.2.1.9: basicConstraints critical on a CA). */
export function caExtensions(): object[] {
  return [
    { name: 'basicConstraints', cA: true, critical: true },
    { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
    { name: 'subjectKeyIdentifier' },
  ];
}

/**
 * What a leaf carries. Brokers get clientAuth too: they are clients of each other on the
 * inter-broker listener, and a broker certificate with serverAuth only fails there.
 */
export function leafExtensions(role: LeafRole, sans: readonly SubjectAltName[], caKeyIdentifier: string): object[] {
  const extensions: object[] = [
    { name: 'basicConstraints', cA: false, critical: true },
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
    role === 'broker' ? { name: 'extKeyUsage', serverAuth: true, clientAuth: true } : { name: 'extKeyUsage', clientAuth: true },
    { name: 'subjectKeyIdentifier' },
    { name: 'authorityKeyIdentifier', keyIdentifier: caKeyIdentifier },
  ];
  if (sans.length > 0) extensions.push(subjectAltNameExtension(sans));
  return extensions;
}

export function subjectAltNameExtension(sans: readonly SubjectAltName[]): object {
  return {
    name: 'subjectAltName',
    // GeneralName tags (RFC 5280): 2 = dNSName, 7 = iPAddress
    altNames: sans.map((san) => (san.type === 'dns' ? { type: 2, value: san.value } : { type: 7, ip: san.value })),
  };
}
