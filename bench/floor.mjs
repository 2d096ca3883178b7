// The floor for one `samctl client issue`: what no implementation in Node can skip. Node's
// start, the CA unlock (samctl's PBES2 key: 600,000 PBKDF2-HMAC-SHA256 iterations, done by
// OpenSSL) and one RSA-2048 key's two 1024-bit primes (OpenSSL's, as samctl makes its keys:
// src/pki/rsa-keygen.ts), in one process that loads nothing else. As in samctl, the primes are
// made on libuv's threads while this thread unlocks the CA key.
//
//   SAMCTL_CA_PASSWORD=… node bench/floor.mjs <pki>/ca/ca.key
//
// Prints {"boot": s, "unlock": s, "keygen": s}; boot is the time from the process's start to
// its first line of JavaScript (performance.now() counts from the process's time origin);
// keygen is what the primes still took after the unlock.
import { createPrivateKey, generatePrime } from 'node:crypto';
import { readFileSync } from 'node:fs';

const boot = performance.now();
const prime = () => new Promise((resolve, reject) => generatePrime(1024, (err, value) => (err ? reject(err) : resolve(value))));
const primes = Promise.all([prime(), prime()]);
createPrivateKey({ key: readFileSync(process.argv[2]), format: 'pem', passphrase: process.env.SAMCTL_CA_PASSWORD });
const unlocked = performance.now();
await primes;
const keyed = performance.now();
process.stdout.write(`${JSON.stringify({ boot: boot / 1000, unlock: (unlocked - boot) / 1000, keygen: (keyed - unlocked) / 1000 })}\n`);
