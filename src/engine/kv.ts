import { ExitCode, SamctlError } from '../errors.js';
import type { EngineClient } from './client.js';

/**
 * KV v2 with check-and-set on every write (the mount is configured cas_required=true, so a
 * write without `cas` is refused by the engine itself). Only here are its endpoints spelled.
 */

/** Enables a KV v2 mount at `mount` when nothing is there; refuses another kind of mount. Then cas_required. */
export async function ensureKv(client: EngineClient, mount: string): Promise<void> {
  const answer = await client.call('GET', `sys/mounts/${mount}`, undefined, [400, 404]);
  if (answer.status !== 200) {
    await client.call('POST', `sys/mounts/${mount}`, { type: 'kv', options: { version: '2' }, description: 'samctl inventory and identities' });
  } else {
    const type = String(answer.data?.type ?? answer.raw?.type ?? '');
    const version = String(answer.data?.options?.version ?? answer.raw?.options?.version ?? '');
    if (type !== 'kv' || version !== '2') {
      throw new SamctlError(`the engine at ${client.address} mounts ${mount}/ as ${type}${type === 'kv' ? ` version ${version || 1}` : ''}, not KV version 2`, {
        hint: `give another --kv-mount, or enable one: bao secrets enable -path=${mount} -version=2 kv`,
        exitCode: ExitCode.usage,
      });
    }
  }
  // A KV v2 mount just enabled first upgrades its storage and answers 400 "Upgrading from
  // non-versioned to versioned data" meanwhile (seen on raft storage): wait that out, bounded.
  for (let attempt = 1; ; attempt++) {
    const answer = await client.call('POST', `${mount}/config`, { cas_required: true }, [400]);
    if (answer.status !== 400) return;
    if (!answer.errors.some((error) => /upgrading from non-versioned to versioned/i.test(error)) || attempt >= 150) {
      throw new SamctlError(`the engine at ${client.address} answered 400 to POST ${mount}/config: ${answer.errors.join('; ').slice(0, 300)}`, {
        hint: 'check the engine\'s log; run the command again once the KV mount answers',
        exitCode: ExitCode.failed,
      });
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

export interface KvEntry<T> {
  data: T;
  version: number;
}

/** The latest version of a secret, or undefined when it has none (never written, or its latest version deleted). */
export async function readKv<T>(client: EngineClient, mount: string, path: string): Promise<KvEntry<T> | undefined> {
  const answer = await client.call('GET', `${mount}/data/${path}`, undefined, [404]);
  if (answer.status === 404 || !answer.data?.data) return undefined;
  return { data: answer.data.data as T, version: Number(answer.data.metadata?.version) };
}

/** The secret's current version number (0: never written), deleted versions included: what `cas` must name. */
export async function currentKvVersion(client: EngineClient, mount: string, path: string): Promise<number> {
  const answer = await client.call('GET', `${mount}/metadata/${path}`, undefined, [404]);
  return answer.status === 404 ? 0 : Number(answer.data?.current_version ?? 0);
}

/**
 * Writes `data` as the version after `cas` (0: only if the secret does not exist). Answers the
 * new version, or 'conflict' when someone else wrote first.
 */
export async function writeKv(client: EngineClient, mount: string, path: string, data: unknown, cas: number): Promise<number | 'conflict'> {
  const answer = await client.call('POST', `${mount}/data/${path}`, { options: { cas }, data }, [400]);
  if (answer.status === 400) {
    if (answer.errors.some((error) => /check-and-set parameter did not match/i.test(error))) return 'conflict';
    throw new SamctlError(`the engine at ${client.address} refused to write ${mount}/${path}: ${answer.errors.join('; ').slice(0, 300)}`, {
      hint: 'check the KV mount named in the PKI directory\'s settings (a KV version 2 mount)',
      exitCode: ExitCode.failed,
    });
  }
  return Number(answer.data?.version);
}

/** Soft-deletes the latest version (undo of a write whose companion write failed). */
export async function deleteLatestKv(client: EngineClient, mount: string, path: string): Promise<void> {
  await client.call('DELETE', `${mount}/data/${path}`);
}
