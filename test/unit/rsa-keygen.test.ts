import { execFileSync } from 'node:child_process';
import { checkPrimeSync, generatePrimeSync } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import forge from 'node-forge';
import { afterAll, describe, expect, it } from 'vitest';
import { privateKeyToPkcs8Pem } from '../../src/pki/keys.js';
import { gcd, generateRsaKeyPair, isAcceptablePrime, modInverse, rsaPrivateKeyFromPrimes } from '../../src/pki/rsa-keygen.js';

/**
 * samctl makes RSA keys by FIPS 186-4 B.3.3 from OpenSSL's primes (src/pki/rsa-keygen.ts).
 * The key assembled from two primes must be exactly what OpenSSL 3 writes for them, every key
 * must pass OpenSSL's own key check, and the B.3.1 / B.3.3 conditions are re-checked here from
 * the key's PKCS#1 fields.
 */
const fixture = (name: string) => forge.pki.privateKeyFromPem(readFileSync(join(__dirname, 'fixtures', name), 'utf8')) as forge.pki.rsa.PrivateKey;
const pkcs1Hex = (key: forge.pki.rsa.PrivateKey) => forge.asn1.toDer(forge.pki.privateKeyToAsn1(key)).toHex();
const big = (value: forge.jsbn.BigInteger) => BigInt(`0x${value.toString(16)}`);

describe('an RSA key from two primes', () => {
  it.each(['leaf.key.pem', 'ca.key.pem'])('is byte for byte the key OpenSSL 3 made from the same primes (%s)', (name) => {
    const openssl = fixture(name);
    expect(pkcs1Hex(rsaPrivateKeyFromPrimes(big(openssl.p), big(openssl.q))!)).toBe(pkcs1Hex(openssl));
    expect(pkcs1Hex(rsaPrivateKeyFromPrimes(big(openssl.q), big(openssl.p))!)).toBe(pkcs1Hex(openssl)); // either order: p is the larger
  });

  it('is refused for primes closer than 2^(half−100), as B.3.3 step 5.4 requires', () => {
    const p = big(fixture('leaf.key.pem').p);
    expect(rsaPrivateKeyFromPrimes(p, p)).toBeUndefined();
    let close = p + 2n;
    while (!checkPrimeSync(close)) close += 2n;
    expect(rsaPrivateKeyFromPrimes(p, close)).toBeUndefined();
  });
});

describe('the arithmetic', () => {
  it('inverts modulo m, and says when there is no inverse', () => {
    expect(modInverse(3n, 11n)).toBe(4n);
    expect(modInverse(10n, 17n)).toBe(12n);
    expect(modInverse(-3n, 11n)).toBe(7n);
    expect(modInverse(1n, 2n)).toBe(1n);
    expect(modInverse(6n, 9n)).toBeUndefined();
    expect(modInverse(0n, 7n)).toBeUndefined();
    const key = fixture('ca.key.pem');
    expect(modInverse(big(key.q), big(key.p))).toBe(big(key.qInv));
  });

  it('finds greatest common divisors', () => {
    expect(gcd(12n, 18n)).toBe(6n);
    expect(gcd(17n, 5n)).toBe(1n);
    expect(gcd(0n, 9n)).toBe(9n);
    expect(gcd(2n ** 200n, 6n ** 100n)).toBe(2n ** 100n);
  });
});

describe('a prime for a key', () => {
  it('is refused below √2·2^(half−1): the modulus would lose its top bit', () => {
    let low = (1n << 1023n) + 1n;
    while (!checkPrimeSync(low)) low += 2n;
    expect(low * low < 1n << 2047n).toBe(true);
    expect(isAcceptablePrime(low, 1024)).toBe(false);
  });

  it('is refused when p − 1 shares a factor with e = 65537', () => {
    let prime: bigint;
    do prime = generatePrimeSync(1024, { add: 131074n, rem: 1n, bigint: true });
    while (prime * prime < 1n << 2047n); // large enough: only the gcd can refuse it
    expect((prime - 1n) % 65537n).toBe(0n);
    expect(isAcceptablePrime(prime, 1024)).toBe(false);
  });

  it('is taken with exactly half the bits, at least √2·2^(half−1), coprime to e', () => {
    expect(isAcceptablePrime(big(fixture('leaf.key.pem').p), 1024)).toBe(true);
    expect(isAcceptablePrime(big(fixture('leaf.key.pem').p), 1536)).toBe(false);
    expect(isAcceptablePrime(generatePrimeSync(1536, { bigint: true }), 1536)).toBe(true);
  });
});

describe('generateRsaKeyPair', () => {
  const dir = mkdtempSync(join(tmpdir(), 'samctl-rsa-keygen-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it.each([
    [2048, 6],
    [3072, 1],
    [4096, 1],
  ])('makes %i-bit keys that openssl checks and that meet B.3.1 / B.3.3 (%i keys)', async (bits, count) => {
    const keys = await Promise.all(Array.from({ length: count }, () => generateRsaKeyPair(bits)));
    const half = BigInt(bits / 2);
    const seen = new Set<string>();
    for (const [index, { privateKey, publicKey }] of keys.entries()) {
      const file = join(dir, `key-${bits}-${index}.pem`);
      writeFileSync(file, privateKeyToPkcs8Pem(privateKey), { mode: 0o600 });
      const checked = execFileSync('openssl', ['pkey', '-in', file, '-check', '-noout'], { encoding: 'utf8' });
      expect(checked).toMatch(/Key is valid/);
      expect(execFileSync('openssl', ['pkey', '-in', file, '-noout', '-text'], { encoding: 'utf8' })).toMatch(new RegExp(`Private-Key: \\(${bits} bit, 2 primes\\)`));

      const [n, e, d, p, q] = [privateKey.n, privateKey.e, privateKey.d, privateKey.p, privateKey.q].map(big) as [bigint, bigint, bigint, bigint, bigint];
      expect(e).toBe(65537n);
      expect(n).toBe(p * q);
      expect(publicKey.n.equals(privateKey.n)).toBe(true);
      expect(p > q).toBe(true);
      for (const prime of [p, q]) {
        expect(prime < 1n << half).toBe(true);
        expect(prime * prime >= 1n << (2n * half - 1n)).toBe(true);
        expect((prime - 1n) % 65537n).not.toBe(0n);
      }
      expect(p - q > 1n << (half - 100n)).toBe(true);
      expect(d > 1n << half).toBe(true);
      const euclid = (a: bigint, b: bigint): bigint => (b === 0n ? a : euclid(b, a % b));
      const lcm = ((p - 1n) * (q - 1n)) / euclid(p - 1n, q - 1n);
      expect(d < lcm).toBe(true);
      expect((d * e) % lcm).toBe(1n);
      seen.add(n.toString(16));
    }
    expect(seen.size).toBe(count);
  });

  it('refuses a key size that is not an even number of at least 2048 bits', async () => {
    await expect(generateRsaKeyPair(1024)).rejects.toThrow(/at least 2048/);
    await expect(generateRsaKeyPair(2049)).rejects.toThrow(/even number/);
  });

  it('hands each prime to the scheduler it is given', async () => {
    let jobs = 0;
    await generateRsaKeyPair(2048, (job) => {
      jobs++;
      return job();
    });
    expect(jobs).toBeGreaterThanOrEqual(2);
  });
});
