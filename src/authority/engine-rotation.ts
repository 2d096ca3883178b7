import forge from 'node-forge';
import { connectEngine } from '../engine/connection.js';
import type { EngineClient } from '../engine/client.js';
import { defaultIssuerPem, generateRoot, listIssuers, notPki, readIssuer, setDefaultIssuer, stopIssuing, tunePki } from '../engine/pki.js';
import { operationError } from '../errors.js';
import { summarizeCertificate } from '../pki/inspect.js';
import { openEngineState, type EngineState } from '../store/engine-state.js';
import type { CaRecord, EngineSettings, IdentityRecord } from '../store/inventory.js';
import { backupStamp, CA_FILE_NAMES, PUBLIC, SECRET, type FileSpec, type PkiLayout } from '../store/layout.js';
import { carriedCaFiles, keptCrl, saveCaFiles } from './ca-files.js';
import { engineCaRecord, readCachedEngineCa } from './openbao.js';
import { recordRetirement, recordRotation, runRetirement, runRotation, type RotationResult } from './rotation.js';

/**
 * ca rotate / ca retire on a CA in an OpenBao / Vault PKI mount, with the engine's multiple
 * issuers; the same three phases and dual trust as a directory CA (rotation.ts):
 *   1. rotate: a new root issuer generated inside the mount (named samctl-g<generation>, so a
 *      rerun finds it instead of making another), made the mount's default issuer (samctl's
 *      roles sign with "default"); ca/ca.crt becomes it, the old one stays as ca-<n>.crt and
 *      every truststore and ca.crt trusts both;
 *   2. samctl renew --all: every identity re-signed by the new default issuer;
 *   3. retire: the old issuer stops issuing (usage read-only,crl-signing; its key stays in the
 *      engine), and is dropped from every truststore.
 * The shared inventory (KV) records the CA states too, so every PKI directory sees the phase.
 */

const sha = (pem: string) => summarizeCertificate(forge.pki.certificateFromPem(pem)).sha256;

/** The CA files an engine PKI directory keeps: ca.crt, truststore.password, crl.pem, and during a rotation ca-<n>.crt. */
function engineCaFiles(certPem: string, truststorePassword: string): FileSpec[] {
  return [
    { name: CA_FILE_NAMES.cert, content: certPem, mode: PUBLIC },
    { name: CA_FILE_NAMES.truststorePassword, content: `${truststorePassword}\n`, mode: SECRET },
  ];
}

export async function rotateEngineCa(layout: PkiLayout, settings: EngineSettings, input: { cn?: string; days: number; keySize: number; now: Date }): Promise<RotationResult> {
  const client = await connectEngine({ recordedAddress: settings.address });
  const mount = settings.pkiMount;
  const previous = await readCachedEngineCa(layout, settings);
  return runRotation(layout, previous, input.cn, {
    make: async ({ generation, dn }) => {
      const issuerName = `samctl-g${generation}`;
      // A rerun after an interrupted rotate finds the issuer it made; otherwise the engine must still hold this directory's CA.
      let fresh = await readIssuer(client, mount, issuerName);
      if (!fresh) {
        const current = await defaultIssuerPem(client, mount);
        if (!current) throw notPki(client.address, mount);
        if (sha(current) !== summarizeCertificate(previous.cert).sha256) throw engineMoved(client, mount, layout);
        await tunePki(client, mount, input.days);
        const made = await generateRoot(client, mount, { cn: dn.cn, o: dn.o, days: input.days, keySize: input.keySize, issuerName });
        fresh = { ...made, name: issuerName, usage: '' };
      }
      await setDefaultIssuer(client, mount, fresh.issuerId);
      await saveCaFiles(layout, [...engineCaFiles(fresh.pem, previous.truststorePassword), ...(await carriedCaFiles(layout, previous))], layout.caBackup(backupStamp(input.now)));
      return engineCaRecord(forge.pki.certificateFromPem(fresh.pem), input.now);
    },
    recorded: async (record, inventory) => {
      await (await openEngineState(inventory.settings))?.updateInventory((shared) => recordRotation(shared, record));
    },
  });
}

export async function retireEngineCa(layout: PkiLayout, settings: EngineSettings, now: Date): Promise<{ retired: CaRecord[]; identities: IdentityRecord[] }> {
  const client = await connectEngine({ recordedAddress: settings.address });
  const mount = settings.pkiMount;
  const current = await readCachedEngineCa(layout, settings);
  let state: EngineState | undefined;
  return runRetirement(layout, current, {
    // With a shared inventory, identities issued from other PKI directories count too.
    holders: async (inventory) => {
      state = await openEngineState(inventory.settings);
      return (await state?.readInventory())?.inventory.identities ?? inventory.identities;
    },
    renewWhere: ', from the PKI directory that issued them',
    drop: async (old) => {
      const defaultPem = await defaultIssuerPem(client, mount);
      if (!defaultPem || sha(defaultPem) !== summarizeCertificate(current.cert).sha256) throw engineMoved(client, mount, layout);
      for (const id of await listIssuers(client, mount)) {
        const issuer = await readIssuer(client, mount, id);
        if (issuer && old.has(sha(issuer.pem)) && issuer.usage.includes('issuing-certificates')) await stopIssuing(client, mount, issuer.issuerId, issuer.name);
      }
      await saveCaFiles(layout, [...engineCaFiles(current.certPem, current.truststorePassword), ...(await keptCrl(layout))], layout.caBackup(backupStamp(now)));
      return {};
    },
    recorded: async () => {
      await state?.updateInventory(recordRetirement);
    },
  });
}

function engineMoved(client: EngineClient, mount: string, layout: PkiLayout) {
  return operationError(
    `the default issuer of ${mount}/ at ${client.address} is not ${layout.caCert}: another PKI directory rotated the CA, or the mount changed`,
    'run samctl ca init --backend openbao --force to follow the engine, then the rotation phase again',
  );
}
