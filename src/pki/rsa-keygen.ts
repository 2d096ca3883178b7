import { generatePrime } from 'node:crypto';
import forge from 'node-forge';
import './native-rsa.js'; // the pairwise test signs through OpenSSL

/**
 * RSA keys by FIPS 186-4 appendix B.3.3 (random probable primes), with OpenSSL's prime
 * generator. Node 20's `generateKeyPair('rsa')` runs OpenSSL 3's SP 800-56B generator, which
 * for e = 65537 and 2048+ bits takes appendix B.3.6 (primes built on auxiliary primes): 0.2 s
 * of CPU per 2048-bit key here, against 0.085 s for two of OpenSSL's 1024-bit primes. B.3.3 is
 * the other method FIPS 186-4 approves for these sizes; Go's `crypto/rsa` (cfssl, mkcert),
 * Java's `RSAKeyPairGenerator` (keytool) and OpenSSL 1.1.1 also make keys from random
 * probable primes. The primes, the randomness and the primality tests (trial division, then
 * 64 Miller-Rabin rounds) are OpenSSL's (`BN_generate_prime_ex2`, which also sets each prime's
 * top two bits); this module keeps the conditions B.3.1 / B.3.3 put on them, derives the
 * private exponent and the CRT values with JavaScript's BigInt and hands forge the finished key.
 */
const E = 0x10001n;

/** Runs one prime generation; the issuing path passes a queue that keeps a few in flight. */
export type PrimeScheduler = <T>(job: () => Promise<T>) => Promise<T>;

const runNow: PrimeScheduler = (job) => job();

/**
 * A new RSA key pair of `bits` bits (even, at least 2048). The two primes are made side by
 * side on libuv's threads; a prime or pair that fails a FIPS 186-4 condition is drawn again.
 */
export async function generateRsaKeyPair(bits: number, schedule: PrimeScheduler = runNow): Promise<forge.pki.rsa.KeyPair> {
  if (!Number.isInteger(bits) || bits % 2 !== 0 || bits < 2048) throw new RangeError(`RSA key size ${bits}: expected an even number of bits, at least 2048`);
  const half = bits / 2;
  const prime = async (): Promise<bigint> => {
    for (;;) {
      const candidate = await schedule(() => opensslPrime(half));
      if (isAcceptablePrime(candidate, half)) return candidate;
    }
  };
  const primes = [prime(), prime()];
  let p = await primes[0]!;
  let q = await primes[1]!;
  for (;;) {
    const privateKey = rsaPrivateKeyFromPrimes(p, q);
    if (privateKey) {
      const publicKey = forge.pki.setRsaPublicKey(privateKey.n, privateKey.e);
      assertPairwiseConsistent(privateKey, publicKey);
      return { privateKey, publicKey };
    }
    q = await prime(); // |p − q| or d too small (about 2^-100 for random primes): draw q again
    if (q === p) p = await prime();
  }
}

function opensslPrime(bits: number): Promise<bigint> {
  return new Promise((resolve, reject) => {
    generatePrime(bits, { bigint: true }, (err, prime) => (err ? reject(err) : resolve(prime)));
  });
}

/**
 * FIPS 186-4 B.3.3 steps 4.4 / 5.5 for one prime of a `2·half`-bit modulus: exactly `half`
 * bits, at least √2·2^(half−1) (so the modulus has all its bits), and gcd(p − 1, e) = 1
 * (e = 65537 is prime). √2·2^(half−1) ≤ p < 2^half holds exactly when 2^(2·half−1) ≤ p² < 2^(2·half).
 */
export function isAcceptablePrime(prime: bigint, half: number): boolean {
  const h = BigInt(half);
  return prime < 1n << h && prime * prime >= 1n << (2n * h - 1n) && (prime - 1n) % E !== 0n;
}

/**
 * The private key for two acceptable primes, or undefined when the pair fails B.3.1 / B.3.3:
 * |p − q| > 2^(half−100) and 2^half < d. d = e⁻¹ mod lcm(p − 1, q − 1) (B.3.1 criterion 3, as
 * OpenSSL 3 computes it); the larger prime is p, qInv = q⁻¹ mod p (RFC 8017 §3.2).
 */
export function rsaPrivateKeyFromPrimes(first: bigint, second: bigint): forge.pki.rsa.PrivateKey | undefined {
  const [p, q] = first >= second ? [first, second] : [second, first];
  const half = BigInt(p.toString(2).length);
  if (q.toString(2).length !== Number(half) || p - q <= 1n << (half - 100n)) return undefined;
  const lcm = ((p - 1n) * (q - 1n)) / gcd(p - 1n, q - 1n);
  const d = modInverse(E, lcm);
  const qInv = modInverse(q, p);
  if (d === undefined || qInv === undefined || d <= 1n << half) return undefined;
  const big = (value: bigint) => new forge.jsbn.BigInteger(value.toString(16), 16);
  return forge.pki.setRsaPrivateKey(big(p * q), big(E), big(d), big(p), big(q), big(d % (p - 1n)), big(d % (q - 1n)), big(qInv));
}

/** Euclid's algorithm. */
export function gcd(a: bigint, b: bigint): bigint {
  while (b !== 0n) [a, b] = [b, a % b];
  return a;
}

/**
 * a⁻¹ mod m by the extended Euclidean algorithm (Knuth, TAOCP vol. 2 §4.5.2, algorithm X),
 * or undefined when gcd(a, m) ≠ 1. Native BigInt division: forge's binary inversion takes
 * 5–25 ms a key on this thread, this well under one.
 */
export function modInverse(a: bigint, m: bigint): bigint | undefined {
  let [r0, r1] = [m, ((a % m) + m) % m];
  let [t0, t1] = [0n, 1n];
  while (r1 !== 0n) {
    const quotient = r0 / r1;
    [r0, r1] = [r1, r0 - quotient * r1];
    [t0, t1] = [t1, t0 - quotient * t1];
  }
  if (r0 !== 1n) return undefined;
  return t0 < 0n ? t0 + m : t0;
}

/**
 * A pairwise consistency test (FIPS 140-3 IG 10.3.A, SP 800-56B §6.4.1.1): the new private key
 * signs, its public key verifies. A key that fails it is never used.
 */
function assertPairwiseConsistent(privateKey: forge.pki.rsa.PrivateKey, publicKey: forge.pki.rsa.PublicKey): void {
  const md = forge.md.sha256.create();
  md.update('samctl pairwise consistency test');
  if (!publicKey.verify(md.digest().getBytes(), privateKey.sign(md))) throw new Error('the new RSA key failed its pairwise consistency test');
}
