import pLimit from 'p-limit';
import { connectEngine } from '../engine/connection.js';
import type { EngineClient } from '../engine/client.js';
import { currentKvVersion, deleteLatestKv, readKv, writeKv } from '../engine/kv.js';
import { revokeSerial } from '../engine/pki.js';
import { ExitCode, SamctlError } from '../errors.js';
import type { IssuedIdentity } from '../identity.js';
import { parseInventory, recordIdentities, type EngineSettings, type IdentityRecord, type Inventory, type Settings } from './inventory.js';

/**
 * The inventory and identity files in the engine's KV v2 store (settings.engine.kvMount): the
 * shared truth when several operators and runners issue from their own PKI directories.
 *
 *   <kv>/samctl/<pki mount>/inventory            {inventory: samctl.json's text}
 *   <kv>/samctl/<pki mount>/<kind>s/<name>       {record: its inventory record, files: {name: {mode, base64}}}, each as JSON text
 *
 * Every write names the version it replaces (check-and-set; the mount has cas_required). Each
 * identity commits on its own, files first and then its record, so a record never exists without
 * its files; a lost race on the inventory is re-read and retried, one on an identity's own path
 * means someone issued the same name at the same moment and is reported with that name.
 */
export interface EnginePublished {
  /** The identity's KV path and version. */
  path: string;
  version: number;
  /** The inventory's version that first held this record. */
  inventoryVersion: number;
  /** Check-and-set conflicts on the inventory, re-read and retried. */
  casConflicts: number;
}

const MAX_INVENTORY_ATTEMPTS = 200;

export function enginePaths(settings: EngineSettings) {
  const prefix = `samctl/${settings.pkiMount}`;
  return {
    inventory: `${prefix}/inventory`,
    identity: (kind: 'broker' | 'client', name: string) => `${prefix}/${kind}s/${name}`,
  };
}

/** The engine state of a PKI directory whose settings name a KV mount; undefined otherwise (the directory alone). */
export async function openEngineState(settings: Settings): Promise<EngineState | undefined> {
  if (settings.backend !== 'openbao' || !settings.engine?.kvMount) return undefined;
  return new EngineState(await connectEngine({ recordedAddress: settings.engine.address }), settings);
}

export class EngineState {
  readonly engine: EngineSettings & { kvMount: string };

  constructor(
    private readonly client: EngineClient,
    private readonly settings: Settings,
  ) {
    this.engine = settings.engine as EngineSettings & { kvMount: string };
  }

  get address(): string {
    return this.client.address;
  }

  get kvMount(): string {
    return this.engine.kvMount;
  }

  /** An identity's KV copy: its record and files, or undefined when there is none. */
  async readIdentity(kind: 'broker' | 'client', name: string): Promise<{ record: IdentityRecord; files: Array<{ name: string; content: Buffer; mode: number }> } | undefined> {
    const entry = await readKv<{ record?: string; files?: string }>(this.client, this.engine.kvMount, enginePaths(this.engine).identity(kind, name));
    if (!entry?.data.record || !entry.data.files) return undefined;
    const files = JSON.parse(entry.data.files) as Record<string, { mode: number; base64: string }>;
    return {
      record: JSON.parse(entry.data.record) as IdentityRecord,
      files: Object.entries(files).map(([file, { mode, base64 }]) => ({ name: file, content: Buffer.from(base64, 'base64'), mode })),
    };
  }

  /** The shared inventory, or undefined before the first write. */
  async readInventory(): Promise<{ inventory: Inventory; version: number } | undefined> {
    const path = enginePaths(this.engine).inventory;
    const entry = await readKv<{ inventory?: unknown }>(this.client, this.engine.kvMount, path);
    if (!entry) return undefined;
    return { inventory: parseInventory(String(entry.data.inventory ?? ''), `${this.client.address}/v1/${this.engine.kvMount}/data/${path}`), version: entry.version };
  }

  /** Writes the first shared inventory (ca init) unless one exists. */
  async createInventory(inventory: Inventory): Promise<void> {
    await writeKv(this.client, this.engine.kvMount, enginePaths(this.engine).inventory, asSecret(inventory), 0);
  }

  /** Writes one identity's record and files where none are yet (migration from a PKI directory). */
  async putIdentity(record: IdentityRecord, files: Array<{ name: string; content: Buffer; mode: number }>): Promise<void> {
    const path = enginePaths(this.engine).identity(record.kind, record.name);
    const written = await writeKv(this.client, this.engine.kvMount, path, identityEntry(record, files), 0);
    if (written === 'conflict') throw new SamctlError(`${record.kind} ${record.name} is already in ${this.client.address}/v1/${this.engine.kvMount}/data/${path}`, { hint: 'give an empty KV mount (--kv-mount) to move this inventory into', exitCode: ExitCode.usage });
  }

  /**
   * Replaces an identity's KV copy, record and files, for the same certificate: `samctl
   * configure` rendered its configs anew (install dir, secrets mode, principal rules). Refused
   * when the engine holds another certificate under that name (renewed elsewhere meanwhile).
   */
  async replaceIdentity(record: IdentityRecord, files: Array<{ name: string; content: Buffer | string; mode: number }>): Promise<void> {
    const kv = this.engine.kvMount;
    const path = enginePaths(this.engine).identity(record.kind, record.name);
    const where = `${this.client.address}/v1/${kv}/data/${path}`;
    for (let attempt = 1; attempt <= MAX_INVENTORY_ATTEMPTS; attempt++) {
      const entry = await readKv<{ record?: string; files?: string }>(this.client, kv, path);
      const held = JSON.parse(entry?.data.record ?? '{}') as { serial?: string };
      if (!entry || held.serial !== record.serial) {
        throw new SamctlError(`${record.kind} ${record.name} at ${where} is ${held.serial ? `serial ${held.serial}` : 'missing'}, not serial ${record.serial} as here: nothing changed`, {
          hint: 'run the command again: samctl takes the shared copy first',
          exitCode: ExitCode.failed,
        });
      }
      if ((await writeKv(this.client, kv, path, identityEntry(record, files), entry.version)) !== 'conflict') return;
    }
    throw new SamctlError(`${where} changed under samctl ${MAX_INVENTORY_ATTEMPTS} times in a row`, { hint: 'run the command again', exitCode: ExitCode.failed });
  }

  /**
   * Changes the shared inventory with `change` (re-read and retried on a check-and-set conflict)
   * and, for each identity named in `records`, the record kept with its files. Answers the
   * inventory as written.
   */
  async updateInventory(change: (inventory: Inventory) => Inventory, records: Array<{ kind: 'broker' | 'client'; name: string }> = []): Promise<Inventory> {
    const kv = this.engine.kvMount;
    const inventoryPath = enginePaths(this.engine).inventory;
    let written: Inventory | undefined;
    for (let attempt = 1; attempt <= MAX_INVENTORY_ATTEMPTS && !written; attempt++) {
      const shared = await this.readInventory();
      const base: Inventory = shared?.inventory ?? { version: 2, settings: this.settings, cas: [], identities: [] };
      const next = change(base);
      if (JSON.stringify(next) === JSON.stringify(base)) written = base;
      else if ((await writeKv(this.client, kv, inventoryPath, asSecret(next), shared?.version ?? 0)) !== 'conflict') written = next;
    }
    if (!written) throw new SamctlError(`the inventory at ${this.client.address}/v1/${kv}/data/${inventoryPath} changed under samctl ${MAX_INVENTORY_ATTEMPTS} times in a row`, { hint: 'run the command again', exitCode: ExitCode.failed });
    for (const { kind, name } of records) {
      const record = written.identities.filter((candidate) => candidate.kind === kind && candidate.name === name).pop();
      if (!record) continue;
      const path = enginePaths(this.engine).identity(kind, name);
      for (let attempt = 1; attempt <= MAX_INVENTORY_ATTEMPTS; attempt++) {
        const entry = await readKv<{ record?: string; files?: string }>(this.client, kv, path);
        if (!entry || JSON.parse(entry.data.record ?? '{}').serial !== record.serial || entry.data.record === JSON.stringify(record)) break;
        if ((await writeKv(this.client, kv, path, { ...entry.data, record: JSON.stringify(record) }, entry.version)) !== 'conflict') break;
      }
    }
    return written;
  }

  /** Commits every issued identity (a few at a time); each gets `published`. Throws the first failure once all have settled. */
  async publish(issued: Array<IssuedIdentity & { published?: EnginePublished }>, force: boolean): Promise<void> {
    const limit = pLimit(4);
    const results = await Promise.allSettled(issued.map((identity) => limit(async () => (identity.published = await this.publishOne(identity, force)))));
    const failed = results.find((result): result is PromiseRejectedResult => result.status === 'rejected');
    if (failed) throw failed.reason;
  }

  private async publishOne(identity: IssuedIdentity, force: boolean): Promise<EnginePublished> {
    const { kind, name, serial } = identity.record;
    const kv = this.engine.kvMount;
    const path = enginePaths(this.engine).identity(kind, name);
    const where = `${this.client.address}/v1/${kv}/data/${path}`;
    const current = await currentKvVersion(this.client, kv, path);
    if (current > 0 && !force) {
      const existing = await readKv<{ record?: string }>(this.client, kv, path);
      const record = JSON.parse(existing?.data.record ?? '{}') as { status?: string; serial?: string };
      if (record.status === 'active') {
        throw await this.undo(identity, undefined, `${kind} ${name} already exists in the engine (${where}, serial ${record.serial}), issued from another PKI directory`, `pass --force to issue it anew, or pick another name`, ExitCode.usage);
      }
    }
    const version = await writeKv(this.client, kv, path, identityEntry(identity.record, identity.files), current);
    if (version === 'conflict') {
      throw await this.undo(identity, undefined, `${kind} ${name} was issued by someone else at the same moment (check-and-set conflict on ${where})`, 'look at the engine\'s copy (samctl status) before issuing it again');
    }
    let conflicts = 0;
    try {
      for (let attempt = 1; attempt <= MAX_INVENTORY_ATTEMPTS; attempt++) {
        const shared = await this.readInventory();
        const base: Inventory = shared?.inventory ?? { version: 2, settings: this.settings, cas: [], identities: [] };
        const written = await writeKv(this.client, kv, enginePaths(this.engine).inventory, asSecret(recordIdentities(base, [identity.record])), shared?.version ?? 0);
        if (written !== 'conflict') return { path, version, inventoryVersion: written, casConflicts: conflicts };
        conflicts++;
      }
      throw new SamctlError(`the inventory at ${this.client.address}/v1/${kv}/data/${enginePaths(this.engine).inventory} changed under samctl ${MAX_INVENTORY_ATTEMPTS} times in a row`, { exitCode: ExitCode.failed });
    } catch (err) {
      const why = err instanceof SamctlError ? err.message : (err as Error).message;
      throw await this.undo(identity, path, `${kind} ${name} (serial ${serial}) could not be recorded in the engine's inventory: ${why}`, 'run the command again once the engine is reachable');
    }
  }

  /** Takes back what this run did for an identity: its files' version (if written) and the signed certificate. */
  private async undo(identity: IssuedIdentity, writtenPath: string | undefined, message: string, hint: string, exitCode: 1 | 2 = ExitCode.failed): Promise<SamctlError> {
    const { serial } = identity.record;
    if (writtenPath) await deleteLatestKv(this.client, this.engine.kvMount, writtenPath).catch(() => undefined);
    const revoked = await revokeSerial(this.client, this.engine.pkiMount, engineSerial(serial)).then(
      () => `serial ${serial} is revoked at the engine`,
      () => `serial ${serial} could NOT be revoked: revoke it with bao write ${this.engine.pkiMount}/revoke serial_number=${engineSerial(serial)}`,
    );
    return new SamctlError(`${message}; ${revoked}, nothing kept`, { hint, exitCode });
  }
}

/** An identity's KV value (readIdentity reads it back): its record and its files (mode, base64), each as JSON text. */
function identityEntry(record: IdentityRecord, files: Array<{ name: string; content: Buffer | string | Uint8Array; mode: number }>): { record: string; files: string } {
  return { record: JSON.stringify(record), files: JSON.stringify(Object.fromEntries(files.map((file) => [file.name, { mode: file.mode, base64: Buffer.from(file.content).toString('base64') }]))) };
}

/**
 * A document as one KV value holding its JSON text: the engine refuses request bodies with
 * many JSON strings ("refused JSON input due to high complexity"), which a grown inventory has.
 */
function asSecret(inventory: Inventory): { inventory: string } {
  return { inventory: JSON.stringify(inventory) };
}

/** forge's serial (the DER INTEGER's bytes in hex) as the engine writes it: colon-separated, no leading zero byte. */
export function engineSerial(serialHex: string): string {
  const hex = serialHex.toLowerCase().replace(/^(?:00)+(?=..)/, '');
  return (hex.length % 2 ? `0${hex}` : hex).replace(/(..)(?!$)/g, '$1:');
}
