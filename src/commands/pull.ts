import type { Command } from 'commander';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { connectEngine } from '../engine/connection.js';
import { parseMount } from '../engine/pki.js';
import { operationError, usageError } from '../errors.js';
import { alterBrokerConfigCommand, renderedTlsListeners, storeReloadSets } from '../kafka/actions.js';
import { setBrokerConfigs } from '../kafka/client.js';
import { engineNotConfigured, parseBrokerProperties, readPulledIdentity, type BrokerProperties } from '../lifecycle/pull.js';
import { parseIdentityName } from '../pki/names.js';
import { installHostFiles } from '../store/host-files.js';
import { identityFileNames } from '../store/layout.js';
import { commandContext } from './context.js';
import { engineLogin, withEngineOptions, type EngineOptions } from './options.js';

interface PullOptions extends EngineOptions {
  to?: string;
  kind: string;
  reload?: boolean;
  serverProperties?: string;
}

export function registerPull(program: Command): void {
  withEngineOptions(
    program
      .command('pull')
    .description("on a broker or client host: fetch the identity's files from OpenBao / Vault (KV) and install them, no PKI directory needed")
    .argument('<name>', 'the identity, as issued (samctl broker issue <host> / samctl client issue <name>)')
    .option('--to <dir>', "where to install the files (default: the identity's recorded install dir, samctl … --install-dir)")
    .option('--kind <kind>', 'broker or client', 'broker'),
    { pkiMount: 'the PKI mount samctl ca init used (names the KV path)', kvMount: 'the KV v2 mount samctl ca init --kv-mount used (or SAMCTL_ENGINE_KV_MOUNT)' },
  )
    .option('--reload', "then make the running broker re-read its keystore (KIP-226), connecting with the broker's own certificate")
    .option('--server-properties <file>', "the broker's server.properties: node.id and the SSL listener for the reload")
    .addHelpText(
      'after',
      `
Reads only <kv>/data/samctl/<pki mount>/<kind>s/<name>: a host token whose policy allows that
one path (samctl policy) is enough. The engine address comes from BAO_ADDR / VAULT_ADDR, its
CA from VAULT_CACERT / BAO_CACERT (https). Who samctl is: BAO_TOKEN / VAULT_TOKEN, else an
AppRole (role_id and secret_id files), else a token file; never a value on the command line.

Files written (broker issued with --install-dir /ssl, JKS): /ssl/broker.key (0600),
broker.crt, broker.ca.crt, broker.keystore.jks, broker.truststore.jks, broker.store.password,
broker.truststore.password, broker-secrets.properties (all 0600), server-ssl.properties; and
broker.crl.pem once the CA published a CRL. A client: client.* and client-ssl.properties,
librdkafka.properties. Each is written in a hidden staging directory beside the
target and renamed over its old copy; unchanged files are left alone; other files in the
directory are kept (a broker and a client may share it). The configs name the recorded
install dir: --to elsewhere is for staging a copy.

Without --reload samctl prints the kafka-configs.sh command that makes the broker re-read
its keystore. With --reload --server-properties it runs it over the Admin API on the SSL
listener named there, as samctl reload does, and waits until the broker presents the pulled
certificate. The broker's principal must be allowed to alter its own config (a super user
or ALTER_CONFIGS, as brokers usually are with an authorizer).

Examples:
  $ BAO_ADDR=https://bao.example:8200 samctl pull sam01.ynformed.nl --kv-mount kafka-kv
  $ samctl pull sam01.ynformed.nl --kv-mount kafka-kv --reload --server-properties /etc/kafka/server.properties
  $ SAMCTL_ENGINE_ROLE_ID_FILE=/etc/samctl/role-id SAMCTL_ENGINE_SECRET_ID_FILE=/etc/samctl/secret-id \\
      VAULT_CACERT=/etc/samctl/bao-ca.pem samctl pull sam01.ynformed.nl --kv-mount kafka-kv
  $ samctl pull prediction-service --kind client --kv-mount kafka-kv --to /srv/prediction/ssl --json

Exit codes:
  0  installed (and, with --reload, the broker presents the pulled certificate)
  1  the engine or the broker failed (unreachable, sealed, reload refused; the line names which)
  2  bad usage: no such identity, token refused for that path, no install dir, bad options`,
    )
    .action(async (rawName: string, options: PullOptions, command: Command) => {
      const { out } = commandContext(command);
      const name = parseIdentityName(rawName);
      if (options.kind !== 'broker' && options.kind !== 'client') throw usageError(`invalid --kind "${options.kind}"`, 'give --kind broker or --kind client');
      const kind = options.kind;
      const kvRaw = options.kvMount ?? process.env.SAMCTL_ENGINE_KV_MOUNT;
      if (!kvRaw) throw engineNotConfigured();
      if (options.reload && kind !== 'broker') throw usageError('--reload reloads a broker keystore', 'drop --reload for a client, or give --kind broker');
      if (options.reload && !options.serverProperties) throw usageError('--reload needs the broker\'s server.properties', 'add --server-properties /etc/kafka/server.properties (node.id and the SSL listener come from it)');
      let broker: BrokerProperties | undefined;
      if (options.serverProperties) {
        const file = options.serverProperties;
        const text = await readFile(file, 'utf8').catch((err: NodeJS.ErrnoException) => {
          throw usageError(`cannot read ${file}: ${err.code ?? err.message}`, "give the broker's server.properties");
        });
        broker = parseBrokerProperties(text, file);
      }
      const mounts = { kvMount: parseMount(kvRaw, '--kv-mount'), pkiMount: parseMount(options.pkiMount, '--pki-mount') };
      const client = await connectEngine(engineLogin(options));
      const pulled = await readPulledIdentity(client, { ...mounts, kind, name, to: options.to });
      const written = await installHostFiles(pulled.dir, pulled.files);
      const { record } = pulled;

      let reload: { command: string; nodeId: number | null; presents: unknown; reloaded: boolean } | undefined;
      if (kind === 'broker') {
        const hostNames = identityFileNames('broker', record.storeType, { prefixed: record.installDir !== undefined });
        const keystore = { store: 'keystore' as const, path: join(pulled.dir, hostNames.keystore) };
        const listeners = renderedTlsListeners(record);
        const host = record.sans.find((san) => san.startsWith('DNS:'))?.slice(4) ?? record.name;
        const printed = alterBrokerConfigCommand(host, broker?.nodeId ?? `<node.id of ${record.name}>`, storeReloadSets(listeners, keystore));
        reload = { command: printed, nodeId: broker ? Number(broker.nodeId) : null, presents: null, reloaded: false };
        if (options.reload && broker) {
          const file = (role: 'key' | 'cert' | 'ca') => readFile(join(pulled.dir, hostNames[role]));
          const identity = { key: await file('key'), cert: await file('cert'), ca: await file('ca') };
          const hosts = [...new Set([record.name, ...record.sans.filter((san) => san.startsWith('DNS:') || san.startsWith('IP:')).map((san) => san.slice(san.indexOf(':') + 1))])];
          const { outcomes } = await setBrokerConfigs([broker.bootstrap], identity, [{ broker: record.name, hosts, reloads: [keystore], listeners, presents: { serial: record.serial, sha256: record.sha256 } }]);
          const outcome = outcomes[0]!;
          if (outcome.error) throw operationError(`${record.name} pulled into ${pulled.dir} but not reloaded: ${outcome.error.message}`, outcome.error.hint);
          if (outcome.nodeId !== Number(broker.nodeId)) out.warn(`the broker at ${broker.bootstrap} advertising ${record.name} is node.id ${outcome.nodeId}, not ${broker.nodeId} as ${options.serverProperties} says`);
          reload = { command: printed, nodeId: outcome.nodeId, presents: outcome.presented, reloaded: true };
        }
      }

      out.result({
        command: 'pull',
        kind,
        name,
        serial: record.serial,
        notAfter: record.notAfter,
        engine: { address: client.address, path: pulled.path, version: pulled.version },
        dir: pulled.dir,
        files: written.map((file) => ({ path: file.path, mode: `0${file.mode.toString(8)}`, changed: file.changed })),
        reload: reload ?? null,
      });
      out.line(`${out.style.green('✔')} ${kind} ${name} (serial ${record.serial}, until ${record.notAfter.slice(0, 10)}) from ${client.address} into ${pulled.dir}`);
      for (const file of written) out.line(`  ${file.path}  ${file.mode.toString(8)}${file.changed ? '' : '  (unchanged)'}`);
      if (reload?.reloaded) out.line(`${out.style.green('✔')} keystore reloaded: node.id ${reload.nodeId} presents serial ${record.serial}`);
      else if (reload) out.line(`\nReload the keystore (or run samctl pull with --reload --server-properties):\n  ${reload.command}`);
    });
}
