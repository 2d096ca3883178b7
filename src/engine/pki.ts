import { ExitCode, SamctlError, usageError } from '../errors.js';
import type { EngineClient } from './client.js';

/**
 * The PKI secrets engine's endpoints samctl uses (same API in OpenBao and Vault). Only here
 * are they spelled; authority/openbao.ts decides what to ask for.
 */

/** A mount path as given to --pki-mount / --kv-mount: path segments, no leading or trailing slash. */
export function parseMount(raw: string, flag: string): string {
  const mount = raw.trim().replace(/^\/+|\/+$/g, '');
  if (!/^[A-Za-z0-9][A-Za-z0-9_.-]*(?:\/[A-Za-z0-9][A-Za-z0-9_.-]*)*$/.test(mount) || mount.split('/').some((part) => part === '..' || part === 'sys')) {
    throw usageError(`invalid ${flag} "${raw.slice(0, 60)}"`, `name the engine's mount path, e.g. ${flag} ${flag === '--kv-mount' ? 'samctl-kv' : 'samctl-pki'}`);
  }
  return mount;
}

/** The mount's type, or undefined when nothing is mounted there (needs read on sys/mounts/<m>). */
export async function mountType(client: EngineClient, mount: string): Promise<string | undefined> {
  const answer = await client.call('GET', `sys/mounts/${mount}`, undefined, [400, 404]);
  if (answer.status !== 200) return undefined;
  return String(answer.data?.type ?? answer.raw?.type ?? '');
}

/** Mounts the PKI engine at `mount` with a lease cap that lets the CA live `days`. */
export async function enablePki(client: EngineClient, mount: string, days: number): Promise<void> {
  await client.call('POST', `sys/mounts/${mount}`, { type: 'pki', description: 'samctl Kafka CA', config: { max_lease_ttl: `${days * 24}h` } });
}

/** Raises the mount's lease cap (a mount made elsewhere defaults to the engine's 32 days). */
export async function tunePki(client: EngineClient, mount: string, days: number): Promise<void> {
  await client.call('POST', `sys/mounts/${mount}/tune`, { max_lease_ttl: `${days * 24}h` });
}

/**
 * The mount's default issuer certificate as PEM, or undefined when it has none yet. A mount
 * that is not PKI (a KV store, nothing mounted) is refused with the fix.
 */
export async function defaultIssuerPem(client: EngineClient, mount: string): Promise<string | undefined> {
  const answer = await client.call('GET', `${mount}/issuer/default/json`, undefined, [400, 404, 405, 500]);
  if (answer.status === 200 && typeof answer.data?.certificate === 'string') return answer.data.certificate.trim() + '\n';
  // A PKI mount without an issuer answers 500/400 naming the missing default issuer.
  if (answer.errors.some((error) => /no default issuer/i.test(error))) return undefined;
  throw notPki(client.address, mount);
}

export function notPki(address: string, mount: string, type?: string): SamctlError {
  return new SamctlError(`the engine at ${address} has no PKI engine at ${mount}/${type ? ` (it is a ${type} mount)` : ''}`, {
    hint: `give the PKI mount samctl ca init used (the PKI directory's settings name it), or enable one: bao secrets enable -path=${mount} pki`,
    exitCode: ExitCode.usage,
  });
}

/**
 * A root CA generated inside the mount (…/root/generate/internal): the key is made by the
 * engine and never leaves it. Back-dated as samctl's own CA is (a minute), so leaves signed
 * right after it, back-dated a minute too, do not start before their issuer.
 */
export async function generateRoot(client: EngineClient, mount: string, input: { cn: string; o?: string; days: number; keySize: number; issuerName: string }): Promise<{ pem: string; issuerId: string }> {
  const answer = await client.call('POST', `${mount}/root/generate/internal`, {
    common_name: input.cn,
    ...(input.o ? { organization: input.o } : {}),
    key_type: 'rsa',
    key_bits: input.keySize,
    ttl: `${input.days * 24}h`,
    not_before_duration: '60s',
    exclude_cn_from_sans: true,
    issuer_name: input.issuerName,
    format: 'pem',
  });
  return { pem: String(answer.data.certificate).trim() + '\n', issuerId: String(answer.data.issuer_id) };
}

/** What a samctl role allows, beyond what samctl's own profile checks already decided. */
export interface RoleSpec {
  kind: 'broker' | 'client';
  /** The subject's O and OU: sign/<role> takes them from the role, never from the CSR. */
  o?: string;
  ou?: string;
  maxDays: number;
}

/**
 * A role as the second line of defence: a client role never sets serverAuth (server_flag
 * false, whatever a CSR asks), SANs only DNS names and IPs (no URI, email or other names),
 * TTL capped, key usage as samctl's profiles (digitalSignature, keyEncipherment).
 */
export function roleSettings(spec: RoleSpec): Record<string, unknown> {
  return {
    server_flag: spec.kind === 'broker',
    client_flag: true,
    code_signing_flag: false,
    email_protection_flag: false,
    key_usage: ['DigitalSignature', 'KeyEncipherment'],
    ext_key_usage: [],
    allow_any_name: true,
    enforce_hostnames: false,
    // samctl checks names itself (parseIdentityName, parseSubjectAltName); a client name need not be a host name.
    cn_validations: ['disabled'],
    allow_ip_sans: true,
    allowed_uri_sans: [],
    allowed_other_sans: [],
    allow_wildcard_certificates: false,
    use_csr_common_name: true,
    use_csr_sans: true,
    organization: spec.o ? [spec.o] : [],
    ou: spec.ou ? [spec.ou] : [],
    country: [],
    locality: [],
    province: [],
    street_address: [],
    postal_code: [],
    key_type: 'rsa',
    key_bits: 2048,
    max_ttl: `${spec.maxDays * 24}h`,
    // samctl's validityWindow starts a minute back (clock skew between hosts); the CA does too.
    not_before_duration: '60s',
    no_store: false,
    generate_lease: false,
  };
}

export async function writeRole(client: EngineClient, mount: string, name: string, spec: RoleSpec): Promise<void> {
  await client.call('POST', `${mount}/roles/${name}`, roleSettings(spec));
}

/** sign/<role>: the certificate PEM, or undefined when the role does not exist. */
export async function signWithRole(client: EngineClient, mount: string, role: string, input: { csrPem: string; notAfter: Date }): Promise<{ pem: string; issuingCa: string; serial: string } | undefined> {
  const answer = await client.call(
    'POST',
    `${mount}/sign/${role}`,
    {
      csr: input.csrPem,
      // Vault takes the end as RFC 3339 without fractions; samctl's profile fixes it to the second.
      not_after: input.notAfter.toISOString().replace(/\.\d{3}Z$/, 'Z'),
      exclude_cn_from_sans: true,
      format: 'pem',
    },
    [400],
  );
  if (answer.status === 400) {
    if (answer.errors.some((error) => /unknown role/i.test(error))) return undefined;
    throw new SamctlError(`the engine at ${client.address} refused to sign with role ${mount}/${role}: ${answer.errors.join('; ').slice(0, 300)}`, {
      hint: 'the role is stricter than the request (names, TTL): fix the request, or the role with samctl ca init --backend openbao',
      exitCode: ExitCode.failed,
    });
  }
  return { pem: String(answer.data.certificate).trim() + '\n', issuingCa: String(answer.data.issuing_ca ?? '').trim() + '\n', serial: String(answer.data.serial_number) };
}

/** Revokes a certificate by serial (colon-separated hex, as the engine writes it). */
export async function revokeSerial(client: EngineClient, mount: string, serial: string): Promise<void> {
  await client.call('POST', `${mount}/revoke`, { serial_number: serial });
}

/**
 * The mount's CRL settings: valid `hours` from each rebuild (nextUpdate = thisUpdate + expiry),
 * rebuilt at every revocation (auto_rebuild off), no delta CRLs. Then a rebuild now.
 */
export async function configureCrl(client: EngineClient, mount: string, hours: number): Promise<void> {
  await client.call('POST', `${mount}/config/crl`, { expiry: `${hours}h`, disable: false, auto_rebuild: false, enable_delta: false });
  await client.call('GET', `${mount}/crl/rotate`);
}

/** The CRL of an issuer (`default`: the mount's default issuer) as PEM ("X509 CRL"). */
export async function issuerCrlPem(client: EngineClient, mount: string, issuer = 'default'): Promise<string> {
  const answer = await client.call('GET', `${mount}/issuer/${issuer}/crl`);
  const pem = String(answer.data?.crl ?? '').trim();
  if (!pem.startsWith('-----BEGIN X509 CRL-----')) {
    throw new SamctlError(`the engine at ${client.address} answered GET ${mount}/issuer/${issuer}/crl without a CRL`, { hint: `check the mount's CRL settings (bao read ${mount}/config/crl): CRLs must not be disabled`, exitCode: ExitCode.failed });
  }
  return `${pem}\n`;
}

/** An issuer of the mount by name or id: its certificate and id, or undefined when there is none. */
export async function readIssuer(client: EngineClient, mount: string, ref: string): Promise<{ pem: string; issuerId: string; name: string; usage: string } | undefined> {
  const answer = await client.call('GET', `${mount}/issuer/${ref}`, undefined, [400, 404, 500]);
  if (answer.status !== 200 || typeof answer.data?.certificate !== 'string') return undefined;
  return { pem: answer.data.certificate.trim() + '\n', issuerId: String(answer.data.issuer_id), name: String(answer.data.issuer_name ?? ''), usage: String(answer.data.usage ?? '') };
}

/** Every issuer id of the mount. */
export async function listIssuers(client: EngineClient, mount: string): Promise<string[]> {
  const answer = await client.call('LIST', `${mount}/issuers`, undefined, [404]);
  return answer.status === 404 ? [] : ((answer.data?.keys ?? []) as unknown[]).map(String);
}

/** Makes `issuerId` the mount's default issuer: roles (issuer_ref "default") sign with it from now on. */
export async function setDefaultIssuer(client: EngineClient, mount: string, issuerId: string): Promise<void> {
  await client.call('POST', `${mount}/config/issuers`, { default: issuerId });
}

/**
 * An issuer that may no longer sign leaves: usage read-only + crl-signing (it keeps its key and
 * certificate, and can still sign its CRL). POST replaces the issuer's settings: the name is kept.
 */
export async function stopIssuing(client: EngineClient, mount: string, issuerId: string, issuerName: string): Promise<void> {
  await client.call('POST', `${mount}/issuer/${issuerId}`, { issuer_name: issuerName, usage: 'read-only,crl-signing', leaf_not_after_behavior: 'err' });
}
