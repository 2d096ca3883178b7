import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer as createTcpServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { createServer as createTlsServer } from 'node:tls';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { samctl, samctlOk, tempDir } from './helpers/samctl.js';

/**
 * `samctl probe` against peers that are not Kafka brokers: openssl s_server with and without a
 * client certificate demand, and plain TCP / TLS servers. What probe says about the client
 * certificate must be what the peer did, and a peer that does not speak Kafka must be named as
 * such, never blamed on the client certificate. (A real broker: test/kafka/lifecycle-kafka.test.ts.)
 */
describe('probe against peers that are not Kafka brokers', () => {
  const cwd = tempDir('samctl-probe-peers-');
  const foreign = tempDir('samctl-probe-foreign-');
  const broker = join(cwd, 'pki', 'brokers', 'localhost');
  const client = join(cwd, 'pki', 'clients', 'probe-client');
  const foreignCa = join(foreign, 'pki', 'ca', 'ca.crt');
  const processes: ChildProcess[] = [];
  const servers: Server[] = [];
  const connections = new Set<Socket>();

  beforeAll(async () => {
    await samctlOk(['ca', 'init', '--key-size', '2048'], { cwd });
    await samctlOk(['broker', 'issue', 'localhost', '--san', '127.0.0.1', '--store-type', 'pem'], { cwd });
    await samctlOk(['client', 'issue', 'probe-client', '--store-type', 'pem'], { cwd });
    await samctlOk(['ca', 'init', '--key-size', '2048', '--cn', 'Foreign CA'], { cwd: foreign });
  });

  afterAll(async () => {
    for (const child of processes) if (child.exitCode === null) child.kill();
    // server.close() waits for open connections: end them (a silent peer keeps its side open).
    for (const socket of connections) socket.destroy();
    await Promise.all(servers.map((server) => new Promise<void>((resolve) => server.close(() => resolve()))));
  });

  const probe = (port: number, json = false) => samctl(['probe', `localhost:${port}`, '--client', 'probe-client', ...(json ? ['--json'] : [])], { cwd });

  async function freePort(): Promise<number> {
    const server = createTcpServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    await new Promise<void>((resolve) => server.close(() => resolve()));
    return port;
  }

  /**
   * openssl s_server with our broker certificate, listening once it prints ACCEPT. Its stdin stays
   * an open pipe: at end of stdin s_server would end every session itself.
   */
  async function sServer(args: string[]): Promise<number> {
    for (let attempt = 0; ; attempt++) {
      const port = await freePort();
      const child = spawn('openssl', ['s_server', '-accept', `127.0.0.1:${port}`, '-cert', join(broker, 'broker.crt'), '-key', join(broker, 'broker.key'), ...args], {
        stdio: ['pipe', 'pipe', 'pipe'],
      });
      processes.push(child);
      let output = '';
      const listening = await new Promise<boolean>((resolve) => {
        child.stdout!.on('data', (chunk) => {
          output += chunk;
          if (output.includes('ACCEPT')) resolve(true);
        });
        child.stderr!.on('data', (chunk) => (output += chunk));
        child.once('exit', () => resolve(false));
        setTimeout(() => resolve(false), 5_000);
      });
      if (listening) return port;
      child.kill();
      if (attempt === 2) throw new Error(`openssl s_server ${args.join(' ')} did not start: ${output}`);
    }
  }

  async function listen(server: Server): Promise<number> {
    servers.push(server);
    server.on('connection', (socket: Socket) => {
      connections.add(socket);
      socket.once('close', () => connections.delete(socket));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return (server.address() as AddressInfo).port;
  }

  for (const version of ['-tls1_3', '-tls1_2']) {
    it(`s_server ${version} that asks no client certificate: not required, and the peer does not speak Kafka`, async () => {
      // Two servers: s_server serves one connection at a time, and the two runs go side by side.
      const [humanPort, jsonPort] = await Promise.all([sServer([version]), sServer([version])]);
      const [human, json] = await Promise.all([probe(humanPort), probe(jsonPort, true)]);

      expect(human.exitCode).toBe(1);
      expect(human.stdout).toMatch(/^client {5}certificate NOT required by the broker: /m);
      expect(human.stderr).toMatch(new RegExp(`^samctl: TLS works but localhost:${humanPort} does not answer the Kafka protocol: no answer to ApiVersions within 5 s\\nhint: is this a Kafka listener\\?`));
      expect(`${human.stdout}${human.stderr}`).not.toMatch(/refused|client\.crt/);

      expect(json.exitCode).toBe(1);
      const report = JSON.parse(json.stdout);
      expect(report).toMatchObject({ clientCertificate: 'not-required', clientCertificateRequired: false, refusal: null, kafka: null, kafkaError: 'no answer to ApiVersions within 5 s' });
      expect(report.clientCertificateEvidence).toBe(
        version === '-tls1_3' ? 'a TLSv1.3 session without one is accepted (the server issued a session ticket)' : 'a TLSv1.2 handshake without one completes',
      );
    }, 15_000);

    it(`s_server ${version} -Verify 1 with our CA: client certificate required, our certificate accepted`, async () => {
      const port = await sServer([version, '-Verify', '1', '-CAfile', join(client, 'ca.crt')]);
      const result = await probe(port, true);
      expect(result.exitCode).toBe(1);
      const report = JSON.parse(result.stdout);
      // s_server without a certificate: "peer did not return a certificate", sent as alert 116 (TLS 1.3) or 40 (TLS 1.2).
      const alert = version === '-tls1_3' ? 'certificate_required' : 'handshake_failure';
      expect(report).toMatchObject({ clientCertificate: 'required', clientCertificateRequired: true, refusal: null });
      expect(report.clientCertificateEvidence).toMatch(new RegExp(`^without one the (session|handshake) ends with TLS alert "${alert}"$`));
      // With our certificate the session stands; only Kafka is missing.
      expect(result.stderr).toMatch(/^samctl: TLS works but localhost:\d+ does not answer the Kafka protocol/);
    }, 15_000);

    it(`s_server ${version} -Verify 1 with a foreign CA: the broker refuses our client certificate with a TLS alert`, async () => {
      // s_server only acts on a failed client verification with -verify_return_error; without it, it logs and goes on.
      const port = await sServer([version, '-Verify', '1', '-verify_return_error', '-CAfile', foreignCa]);
      const result = await probe(port);
      expect(result.exitCode).toBe(1);
      expect(result.stderr).toBe(
        `samctl: the broker refused the session: TLS alert "unknown_ca" from localhost:${port}\n` +
          'hint: the broker refused the client certificate: is pki/clients/probe-client/client.crt from a CA the broker trusts, and still valid?',
      );
      expect(result.stderr).not.toContain('Kafka');
    }, 15_000);
  }

  it('a plain TCP server that closes at once, answers HTTP, or never answers: one clear line each, bounded', async () => {
    const closing = await listen(createTcpServer((socket: Socket) => socket.end()));
    const http = await listen(createTcpServer((socket: Socket) => socket.once('data', () => socket.end('HTTP/1.1 400 Bad Request\r\n\r\n'))));
    const silent = await listen(createTcpServer(() => undefined));
    const started = Date.now();
    const [closed, answered, quiet] = await Promise.all([probe(closing), probe(http), probe(silent)]);
    expect(closed.exitCode).toBe(1);
    expect(closed.stderr).toMatch(new RegExp(`^samctl: localhost:${closing} closed the connection during the TLS handshake, without a TLS alert\\nhint: is this a TLS listener\\?`));
    expect(answered.exitCode).toBe(1);
    expect(answered.stderr).toMatch(new RegExp(`^samctl: localhost:${http} does not speak TLS: it answered with something else \\(wrong version number\\)\nhint: is this a TLS listener\\?`));
    expect(quiet.exitCode).toBe(1);
    expect(quiet.stderr).toMatch(new RegExp(`^samctl: localhost:${silent} accepted the connection but did not answer the TLS handshake within 5 s\\nhint: is this a TLS listener\\?`));
    expect(Date.now() - started).toBeLessThan(9_000);
  }, 15_000);

  it('a TLS server that answers garbage, or closes cleanly: TLS works but no Kafka, not a refusal', async () => {
    const options = { key: readFileSync(join(broker, 'broker.key')), cert: readFileSync(join(broker, 'broker.crt')) };
    const http = await listen(createTlsServer(options, (socket) => socket.once('data', () => socket.end('HTTP/1.1 400 Bad Request\r\n\r\n'))));
    const closing = await listen(createTlsServer(options, (socket) => socket.end()));
    const [garbage, closed] = await Promise.all([probe(http, true), probe(closing, true)]);
    expect(garbage.exitCode).toBe(1);
    expect(garbage.stderr).toMatch(/^samctl: TLS works but localhost:\d+ does not answer the Kafka protocol: it answered 28 bytes that are not a Kafka response: "HTTP\/1\.1 400 Bad Request\.\.\.\."/);
    expect(closed.exitCode).toBe(1);
    expect(closed.stderr).toMatch(/^samctl: TLS works but localhost:\d+ does not answer the Kafka protocol: it closed the connection without answering ApiVersions/);
    const [answered, ended] = [JSON.parse(garbage.stdout), JSON.parse(closed.stdout)];
    expect([answered.refusal, ended.refusal]).toEqual([null, null]);
    // The first peer issues TLS 1.3 session tickets before it reads anything: it took the session without a certificate.
    expect(answered).toMatchObject({ clientCertificate: 'not-required', clientCertificateRequired: false });
    // The second ends every session before any ticket and without an alert: that proves nothing either way.
    expect(ended).toMatchObject({
      clientCertificate: 'unknown',
      clientCertificateRequired: null,
      clientCertificateEvidence: 'a session without one neither failed nor got a Kafka answer: it closed the connection without answering ApiVersions',
    });
  }, 15_000);
});
