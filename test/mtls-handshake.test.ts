import { readFileSync } from 'node:fs';
import { connect, createServer, type Server, type TLSSocket } from 'node:tls';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { samctlOk, tempDir } from './helpers/samctl.js';

/**
 * A real mutual-TLS handshake with node:tls standing in for a broker: it demands a client
 * certificate from our CA, and the client checks the broker's name against its SANs.
 */
describe('mutual TLS with samctl identities', () => {
  const cwd = tempDir();
  const foreign = tempDir();
  let server: Server;
  let port = 0;
  const pem = (dir: string, file: string) => readFileSync(join(dir, file));

  beforeAll(async () => {
    await samctlOk(['ca', 'init', '--key-size', '2048'], { cwd });
    await samctlOk(['broker', 'issue', 'localhost', '--san', '127.0.0.1'], { cwd });
    await samctlOk(['client', 'issue', 'prediction-service'], { cwd });
    await samctlOk(['ca', 'init', '--key-size', '2048', '--cn', 'Foreign CA'], { cwd: foreign });
    await samctlOk(['client', 'issue', 'intruder'], { cwd: foreign });

    const broker = join(cwd, 'pki', 'brokers', 'localhost');
    server = createServer({
      key: pem(broker, 'broker.key'),
      cert: pem(broker, 'broker.crt'),
      ca: pem(broker, 'ca.crt'),
      requestCert: true,
      rejectUnauthorized: true,
    });
    server.on('secureConnection', (socket: TLSSocket) => {
      socket.end(`hello ${socket.getPeerCertificate().subject.CN}\n`);
    });
    server.on('tlsClientError', () => undefined);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });

  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  function handshake(clientDir: string, servername: string | undefined, host = '127.0.0.1'): Promise<string> {
    return new Promise((resolve, reject) => {
      const socket = connect({
        host,
        port,
        servername,
        key: pem(clientDir, 'client.key'),
        cert: pem(clientDir, 'client.crt'),
        ca: pem(clientDir, 'ca.crt'),
        rejectUnauthorized: true,
      });
      let data = '';
      socket.setEncoding('utf8');
      socket.on('data', (chunk) => (data += chunk));
      socket.on('end', () => (data ? resolve(data.trim()) : reject(new Error('connection closed without data'))));
      socket.on('error', reject);
    });
  }

  const goodClient = () => join(cwd, 'pki', 'clients', 'prediction-service');

  it('accepts a client with our CA\'s certificate, and the client accepts the broker by its DNS SAN', async () => {
    await expect(handshake(goodClient(), 'localhost', 'localhost')).resolves.toBe('hello prediction-service');
  });

  it('lets the client verify the broker by its IP SAN', async () => {
    await expect(handshake(goodClient(), undefined, '127.0.0.1')).resolves.toBe('hello prediction-service');
  });

  it('rejects a client whose certificate comes from a foreign CA', async () => {
    const intruder = join(foreign, 'pki', 'clients', 'intruder');
    // The intruder trusts our broker (it has our CA file) but its own cert is foreign.
    const result = await new Promise<string>((resolve) => {
      const socket = connect({
        host: '127.0.0.1',
        port,
        servername: 'localhost',
        key: pem(intruder, 'client.key'),
        cert: pem(intruder, 'client.crt'),
        ca: pem(goodClient(), 'ca.crt'),
      });
      socket.on('data', () => resolve('accepted'));
      socket.on('error', (err) => resolve(`refused: ${err.message}`));
      socket.on('end', () => resolve('refused: closed'));
    });
    expect(result).toMatch(/^refused/);
  });

  it('makes the client refuse a broker name that is not among the SANs', async () => {
    await expect(handshake(goodClient(), 'sam02.ynformed.nl')).rejects.toThrow(/Hostname\/IP does not match|altnames/);
  });

  it('makes the client refuse a broker from a foreign CA', async () => {
    const intruder = join(foreign, 'pki', 'clients', 'intruder');
    await expect(handshake(intruder, 'localhost')).rejects.toThrow(/self[- ]signed|unable to verify|certificate/i);
  });
});
