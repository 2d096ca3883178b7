// The floor for one `samctl client issue`: what no implementation in Node can skip. Node's
// start, the CA unlock (samctl's PBES2 key: 600,000 PBKDF2-HMAC-SHA256 iterations, done by
// OpenSSL) and one RSA-2048 key, in one process that loads nothing else.
//
//   SAMCTL_CA_PASSWORD=… node bench/floor.mjs <pki>/ca/ca.key
//
// Prints {"unlock": s, "keygen": s, "boot": s}; boot is the time from the process's start to
// its first line of JavaScript (performance.now() counts from the process's time origin).
import { createPrivateKey, generateKeyPairSync } from 'node:crypto';
import { readFileSync } from 'node:fs';

const boot = performance.now();
createPrivateKey({ key: readFileSync(process.argv[2]), format: 'pem', passphrase: process.env.SAMCTL_CA_PASSWORD });
const unlocked = performance.now();
generateKeyPairSync('rsa', { modulusLength: 2048, publicExponent: 0x10001 });
const keyed = performance.now();
process.stdout.write(`${JSON.stringify({ boot: boot / 1000, unlock: (unlocked - boot) / 1000, keygen: (keyed - unlocked) / 1000 })}\n`);
