#!/usr/bin/env node
// `npm run demo`: a demo PKI in ./demo-pki: a CA, a broker identity for localhost and a
// client identity "demo", made by the built CLI exactly as a user would run it.
// Re-running keeps the CA and issues the identities anew (--force keeps backups).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const samctl = fileURLToPath(new URL('../bin/samctl.js', import.meta.url));
const dir = 'demo-pki';
const env = { ...process.env, SAMCTL_DIR: dir };
if (!env.SAMCTL_CA_PASSWORD) {
  env.SAMCTL_CA_PASSWORD = 'demo-only-passphrase';
  console.log('Using the demo CA passphrase "demo-only-passphrase" (set SAMCTL_CA_PASSWORD for a real one).\n');
}

function step(args) {
  console.log(`$ samctl ${args.join(' ')}`);
  const result = spawnSync(process.execPath, [samctl, ...args], { env, stdio: 'inherit' });
  if (result.status !== 0) process.exit(result.status ?? 1);
  console.log('');
}

if (existsSync(`${dir}/ca/ca.crt`)) console.log(`${dir}/ca already holds a CA: keeping it.\n`);
else step(['ca', 'init', '--org', 'samctl demo']);
step(['broker', 'issue', 'localhost', '--san', '127.0.0.1', '--force']);
step(['client', 'issue', 'demo', '--force']);

console.log(`Done. Try:
  openssl verify -CAfile ${dir}/ca/ca.crt ${dir}/brokers/localhost/broker.crt
  keytool -list -keystore ${dir}/brokers/localhost/keystore.jks -storepass:file ${dir}/brokers/localhost/store.password
  cat ${dir}/clients/demo/client-ssl.properties`);
