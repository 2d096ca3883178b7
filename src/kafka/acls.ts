import { isIP } from 'node:net';
import { operationError } from '../errors.js';
import type { TlsIdentity } from '../net/tls-probe.js';
import type { AclBinding } from './acl-plan.js';

/**
 * DescribeAcls, CreateAcls and DeleteAcls (v3, what Kafka 4 speaks) on one connection, through
 * @platformatic/kafka's protocol-level requests: the client pinned for Node 20 has no
 * high-level ACL calls, and these requests are the same ones its Admin sends for every other
 * API (dist/clients/admin/admin.js: an `api(connection, …args, callback)` on a Connection).
 * Every error code in a response is checked and named (TOPIC_AUTHORIZATION_FAILED …).
 */

type KafkaModule = typeof import('@platformatic/kafka');

export interface AclSession {
  /** The broker answering (host:port). */
  broker: string;
  /** Every ACL of the principal on the cluster, ALLOW and DENY. */
  describe(principal: string): Promise<AclBinding[]>;
  create(bindings: AclBinding[]): Promise<void>;
  /** Deletes exactly these bindings; returns what the broker deleted. */
  remove(bindings: AclBinding[]): Promise<AclBinding[]>;
  close(): Promise<void>;
}

/** What the admin is told when a broker refuses: by Kafka's error name. */
const REFUSAL_HINTS: Record<string, string> = {
  CLUSTER_AUTHORIZATION_FAILED: "the admin identity is not a super user of this broker: issue it with `samctl client issue <name> --admin` and give the brokers the new super.users (the rolling restart samctl prints)",
  SECURITY_DISABLED: 'the broker runs without an authorizer: issue it with `samctl broker issue <host> --authorizer` and restart it with the new server-ssl.properties',
  INVALID_REQUEST: 'the broker refused the request as malformed: check the principal and resource names',
  UNSUPPORTED_VERSION: 'the broker does not speak the ACL requests v3 (Kafka 2.6 and later do)',
  NOT_CONTROLLER: 'the controller moved while the request was forwarded: run the command again',
};

const REQUEST_TIMEOUT_MS = 30_000;

/** A TLS connection (the admin's certificate) to the first broker of `bootstrap` that answers. */
export async function openAclSession(bootstrap: Array<{ host: string; port: number }>, identity: TlsIdentity): Promise<AclSession> {
  // Loaded on demand, as in kafka/client.ts: ~0.3 s of startup no other command needs.
  const kafka = await import('@platformatic/kafka');
  const failures: string[] = [];
  for (const { host, port } of bootstrap) {
    const connection = new kafka.Connection('samctl-acl', {
      tls: { key: identity.key, cert: identity.cert, ca: identity.ca, rejectUnauthorized: true },
      // Hostname verification as Kafka's own clients do it: the name (or IP) we dialled.
      tlsServerName: isIP(host) === 0,
      connectTimeout: 10_000,
    });
    try {
      await connection.connect(host, port);
      return session(kafka, connection, `${host}:${port}`);
    } catch (err) {
      failures.push(`${host}:${port}: ${describeCause(err)}`);
      await connection.close().catch(() => undefined);
    }
  }
  throw operationError(`cannot connect to ${failures.join('; ')}`, 'is --bootstrap a broker\'s SSL listener, and does the broker trust the admin identity\'s certificate (samctl probe <host:port> --client <admin>)?');
}

function session(kafka: KafkaModule, connection: InstanceType<KafkaModule['Connection']>, broker: string): AclSession {
  const { ResourceTypes, ResourcePatternTypes, AclOperations, AclPermissionTypes } = kafka;
  const code = (table: Record<string, number>, name: string) => {
    const value = table[name];
    if (value === undefined) throw new Error(`no Kafka protocol code for ${name}`);
    return value;
  };
  const nameOf = (table: Record<string, number>, value: number) => Object.keys(table).find((key) => table[key] === value) ?? `UNKNOWN(${value})`;
  const call = <T>(what: string, request: () => Promise<T>): Promise<T> => {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(operationError(`${what}: ${broker} did not answer within ${REQUEST_TIMEOUT_MS / 1000} s`, 'is the broker overloaded, or is this not its SSL listener?')), REQUEST_TIMEOUT_MS);
    });
    return Promise.race([request().catch((err) => rethrow(kafka, what, broker, err)), timeout]).finally(() => clearTimeout(timer));
  };
  // What Kafka answers (DescribeAcls: resource + acl; DeleteAcls: one record) as a binding.
  const bindingOf = (
    resource: { resourceType: number; resourceName: string; patternType: number },
    acl: { principal: string; host: string; operation: number; permissionType: number },
  ): AclBinding => ({
    resourceType: nameOf(ResourceTypes, resource.resourceType),
    resourceName: resource.resourceName,
    patternType: nameOf(ResourcePatternTypes, resource.patternType),
    principal: acl.principal,
    host: acl.host,
    operation: nameOf(AclOperations, acl.operation),
    permission: nameOf(AclPermissionTypes, acl.permissionType),
  });
  const wire = (binding: AclBinding) => ({
    resourceType: code(ResourceTypes, binding.resourceType),
    resourceName: binding.resourceName,
    resourcePatternType: code(ResourcePatternTypes, binding.patternType),
    principal: binding.principal,
    host: binding.host,
    operation: code(AclOperations, binding.operation),
    permissionType: code(AclPermissionTypes, binding.permission),
  });
  return {
    broker,
    async describe(principal) {
      const { ANY } = ResourceTypes;
      const response = await call('DescribeAcls', () =>
        kafka.describeAclsV3.api.async(connection, ANY, null, ResourcePatternTypes.ANY, principal, null, AclOperations.ANY, AclPermissionTypes.ANY),
      );
      return response.resources.flatMap((resource) => resource.acls.map((acl) => bindingOf(resource, acl)));
    },
    async create(bindings) {
      if (bindings.length === 0) return;
      await call('CreateAcls', () => kafka.createAclsV3.api.async(connection, bindings.map(wire)));
    },
    async remove(bindings) {
      if (bindings.length === 0) return [];
      const filters = bindings.map((binding) => {
        const exact = wire(binding);
        return { ...exact, resourceTypeFilter: exact.resourceType, resourceNameFilter: exact.resourceName, patternTypeFilter: exact.resourcePatternType, principalFilter: exact.principal, hostFilter: exact.host };
      });
      const response = await call('DeleteAcls', () => kafka.deleteAclsV3.api.async(connection, filters));
      return response.filterResults.flatMap((result) => result.matchingAcls.map((acl) => bindingOf(acl, acl)));
    },
    close: () => connection.close(),
  };
}

/**
 * A failed request as one line: the error names and messages of every refused entry (the
 * client collects them from the per-result error codes), and a hint by the first name.
 */
function rethrow(kafka: KafkaModule, what: string, broker: string, err: unknown): never {
  const refusals = protocolRefusals(kafka, err);
  if (refusals.length > 0) {
    const names = [...new Set(refusals.map((refusal) => refusal.name))];
    const details = [...new Set(refusals.map((refusal) => (refusal.message ? `${refusal.name} (${refusal.message})` : refusal.name)))];
    throw operationError(`${what} refused by ${broker}: ${details.join('; ')}`, REFUSAL_HINTS[names[0]] ?? `see Kafka's documentation of ${names[0]}`, err);
  }
  throw operationError(`${what} failed on ${broker}: ${describeCause(err)}`, 'the broker closed the connection: does it accept the admin identity\'s certificate, and is this its SSL listener?', err);
}

interface Refusal {
  name: string;
  message?: string;
}

/** Every non-zero error code in a response the client rejected, with the broker's message where it sent one. */
function protocolRefusals(kafka: KafkaModule, err: unknown): Refusal[] {
  const response = (err as { response?: unknown }).response as
    | { errorCode?: number; errorMessage?: string | null; results?: Array<{ errorCode: number; errorMessage: string | null }>; filterResults?: Array<{ errorCode: number; errorMessage: string | null; matchingAcls: Array<{ errorCode: number; errorMessage: string | null }> }> }
    | undefined;
  if (!response) return [];
  const name = (code: number) => (kafka.protocolErrorsCodesById as Record<number, string>)[code] ?? `error code ${code}`;
  const entries = [
    { errorCode: response.errorCode ?? 0, errorMessage: response.errorMessage ?? null },
    ...(response.results ?? []),
    ...(response.filterResults ?? []).flatMap((result) => [result, ...result.matchingAcls]),
  ];
  return entries.filter((entry) => entry.errorCode !== 0).map((entry) => ({ name: name(entry.errorCode), message: entry.errorMessage ?? undefined }));
}

function describeCause(err: unknown): string {
  const messages: string[] = [];
  for (let current = err as (Error & { cause?: unknown; errors?: unknown[] }) | undefined; current && messages.length < 4; current = (current.cause ?? current.errors?.[0]) as typeof current) {
    const message = current.message?.replace(/\.$/, '');
    if (message && !messages.includes(message)) messages.push(message);
  }
  return messages.join(': ') || String(err);
}
