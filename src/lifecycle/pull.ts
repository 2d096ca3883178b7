import { isAbsolute, resolve } from 'node:path';
import type { EngineClient } from '../engine/client.js';
import { readKv } from '../engine/kv.js';
import { ExitCode, operationError, SamctlError, usageError } from '../errors.js';
import { fingerprintSha256 } from '../pki/inspect.js';
import type { IdentityRecord } from '../store/inventory.js';
import { hostFileMap, identityCrlName, isUsableInstallDir, PUBLIC, SECRET, type FileSpec, type IdentityKind } from '../store/layout.js';
import { parseCertificateText } from '../store/read.js';

/**
 * A host fetches its own identity from the engine's KV store (issue 14): only the identity's
 * own path is read (`<kv>/data/samctl/<pki mount>/<kind>s/<name>`, what a host policy grants),
 * never the shared inventory. The files come back named as on the host (hostFileMap), so a
 * broker and a client can share one install dir as they do when copied by hand.
 */
export interface PulledIdentity {
  record: IdentityRecord;
  /** KV path and version read. */
  path: string;
  version: number;
  /** Where the files go: --to, else the recorded install dir. */
  dir: string;
  files: FileSpec[];
}

/** Roles whose files are secrets whatever mode the engine copy names (as export does). */
const SECRET_NAME = /\.(key|jks|p12|password)$|secrets\.properties$|librdkafka-sasl\.properties$|keystore\.pem$/;

export async function readPulledIdentity(client: EngineClient, input: { kvMount: string; pkiMount: string; kind: IdentityKind; name: string; to?: string }): Promise<PulledIdentity> {
  const path = `samctl/${input.pkiMount}/${input.kind}s/${input.name}`;
  const where = `${client.address}/v1/${input.kvMount}/data/${path}`;
  const entry = await readKv<{ record?: string; files?: string }>(client, input.kvMount, path);
  if (!entry) {
    throw usageError(`no ${input.kind} ${input.name} in the engine (${where})`, `check the name, --pki-mount and --kv-mount (as given to samctl ca init), and --kind; the operator issues it with samctl ${input.kind} issue ${input.name}`);
  }
  let record: IdentityRecord;
  let stored: Record<string, { mode?: number; base64?: string }>;
  try {
    record = JSON.parse(String(entry.data.record)) as IdentityRecord;
    stored = JSON.parse(String(entry.data.files)) as typeof stored;
  } catch {
    throw operationError(`the engine's copy of ${input.kind} ${input.name} (${where}) is not samctl's JSON`, `issue it anew from a PKI directory: samctl renew ${input.name}`);
  }
  if (record.status !== 'active') throw operationError(`${input.kind} ${input.name} is ${record.status} in the engine (${where})`, 'nothing to install: issue it anew from a PKI directory');
  const dir = input.to !== undefined ? parseTarget(input.to) : record.installDir;
  if (dir === undefined) {
    throw usageError(`${input.kind} ${input.name} has no install dir recorded`, `name the directory: samctl pull ${input.name} --to /etc/kafka/ssl (or record one: samctl configure ${input.name} --install-dir <path>)`);
  }
  const files: FileSpec[] = [];
  const fix = `issue it anew from a PKI directory: samctl renew ${input.name}`;
  for (const { pki, host } of hostFileMap(record)) {
    const file = stored[pki];
    if (!file?.base64) throw operationError(`the engine's copy of ${input.kind} ${input.name} (${where}) lacks ${pki}`, fix);
    const content = Buffer.from(file.base64, 'base64');
    const secret = SECRET_NAME.test(pki) || (Number(file.mode ?? SECRET) & 0o077) === 0;
    files.push({ name: host, content, mode: secret ? SECRET : PUBLIC });
    if (pki === `${record.kind}.crt`) {
      // The record and its files are written together (check-and-set); a mismatch is damage.
      if (fingerprintSha256(parseCertificateText(content.toString('utf8'), `${where} ${pki}`, fix)) !== record.sha256) {
        throw operationError(`the engine's copy of ${input.kind} ${input.name} (${where}): ${pki} is not the certificate its record names`, fix);
      }
    }
  }
  const crl = stored[identityCrlName(record.kind)];
  if (crl?.base64) files.push({ name: identityCrlName(record.kind, { prefixed: record.installDir !== undefined }), content: Buffer.from(crl.base64, 'base64'), mode: PUBLIC });
  return { record, path, version: entry.version, dir, files };
}

function parseTarget(raw: string): string {
  const value = raw.trim();
  if (!value || !isAbsolute(resolve(value)) || !isUsableInstallDir(resolve(value))) {
    throw usageError(`invalid --to "${value.slice(0, 60).replace(/[^\x20-\x7e]/g, '?')}": an absolute directory without : { } $ \\`, 'give the directory the host reads the files from, e.g. --to /etc/kafka/ssl');
  }
  return resolve(value);
}

/** A server.properties as far as a keystore reload needs it: node.id and the SSL listener's address. */
export interface BrokerProperties {
  nodeId: string;
  /** host:port to reach the SSL listener on this host. */
  bootstrap: string;
  listener: string;
}

/**
 * node.id and the listener that speaks SSL (listener.security.protocol.map, else a listener
 * named SSL): samctl's server-ssl.properties sets the SSL listener's own settings
 * (listener.name.ssl.*). A wildcard or empty host is reached on loopback.
 */
export function parseBrokerProperties(text: string, file: string): BrokerProperties {
  const props = new Map<string, string>();
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (!line || line.startsWith('#') || line.startsWith('!')) continue;
    const match = /^([^=:\s]+)\s*[=:]\s*(.*)$/.exec(line);
    if (match) props.set(match[1]!, match[2]!.trim());
  }
  const fix = `give the broker's own server.properties (with node.id and listeners=SSL://host:port)`;
  const nodeId = props.get('node.id') ?? props.get('broker.id');
  if (!nodeId || !/^\d+$/.test(nodeId)) throw usageError(`${file} sets no node.id`, fix);
  const protocols = new Map((props.get('listener.security.protocol.map') ?? '').split(',').filter(Boolean).map((pair) => pair.split(':').map((part) => part.trim().toUpperCase()) as [string, string]));
  const listeners = (props.get('listeners') ?? '').split(',').map((entry) => entry.trim()).filter(Boolean);
  for (const entry of listeners) {
    const match = /^([A-Za-z0-9_-]+):\/\/(\[[^\]]*\]|[^:]*):(\d+)$/.exec(entry);
    if (!match) continue;
    const name = match[1]!.toUpperCase();
    if (name !== 'SSL' || (protocols.size > 0 && protocols.has(name) && protocols.get(name) !== 'SSL')) continue;
    const host = !match[2] || match[2] === '0.0.0.0' || match[2] === '[::]' ? '127.0.0.1' : match[2];
    return { nodeId, bootstrap: `${host}:${match[3]}`, listener: name };
  }
  throw usageError(`${file} has no SSL listener in listeners=`, fix);
}

export function engineNotConfigured(): SamctlError {
  return new SamctlError('no KV mount given', { hint: 'name the KV mount samctl ca init --kv-mount used: samctl pull <name> --kv-mount <mount>', exitCode: ExitCode.usage });
}
