import type { Command } from 'commander';
import { operationError, usageError } from '../errors.js';
import { reloadBrokerStore, renderedTlsListeners, type BrokerStore } from '../kafka/actions.js';
import { setBrokerConfigs, type BrokerConfigOutcome, type BrokerConfigTarget } from '../kafka/client.js';
import { readClientIdentity } from '../kafka/client-identity.js';
import { parseIdentityName } from '../pki/names.js';
import { commandContext, requireInventory } from './context.js';

interface ReloadOptions {
  keystore?: boolean;
  truststore?: boolean;
  bootstrap: string;
  client: string;
}

export function registerReload(program: Command): void {
  program
    .command('reload')
    .description("make running brokers re-read their keystore or truststore, no restart (KIP-226), over Kafka's Admin API")
    .argument('<broker...>', 'broker identities (as issued: samctl broker issue <host>)')
    .option('--keystore', 'reload the keystore (the default): after samctl renew')
    .option('--truststore', 'reload the truststore: after samctl ca rotate / ca retire')
    .requiredOption('--bootstrap <host:port>', "the cluster's SSL listener, as clients reach it (several: a:9092,b:9092)")
    .requiredOption('--client <name>', 'the client identity (<dir>/clients/<name>) to connect with; it must be allowed to alter broker configs')
    .addHelpText(
      'after',
      `
Finds each broker's node.id in the cluster's metadata (the broker advertised under the
identity's name or one of its SANs) and its TLS listeners in its config (DescribeConfigs:
every SSL and SASL_SSL listener, controllers left out), then sends IncrementalAlterConfigs for
that broker: listener.name.<listener>.ssl.keystore.location (or truststore) = the file's path
on the broker, for each of them. A listener keeps the store it loaded until its own setting is
given; the same path re-given makes it re-read the file when it changed. This is the
kafka-configs.sh command that samctl renew / ca rotate / ca retire print (there with the
listeners samctl's server-ssl.properties opens), with the node.id filled in.

Kafka accepts the change before the broker loads the file, and a file it cannot load only
shows in its log. So after a keystore reload samctl waits (up to 15 s) until every TLS
listener of the broker presents the certificate samctl issued last. A truststore cannot be
seen from outside.

The client's principal must be allowed to read and alter broker configs: with an authorizer,
a super user (super.users) or ALTER_CONFIGS on the cluster (which implies DESCRIBE_CONFIGS). No secret is read from the command line:
the client's key comes from <dir>/clients/<name>/.

Examples:
  $ samctl renew sam01.ynformed.nl
  $ samctl reload sam01.ynformed.nl --bootstrap sam01.ynformed.nl:9092 --client admin
  $ samctl ca rotate
  $ samctl reload sam01.ynformed.nl sam02.ynformed.nl --truststore --bootstrap sam01.ynformed.nl:9092 --client admin
  $ samctl reload sam01.ynformed.nl --keystore --truststore --bootstrap sam01.ynformed.nl:9092 --client admin --json

Exit codes:
  0  every broker accepted the reload (and, for a keystore, presents the renewed certificate)
  1  a broker refused it, was not found in the cluster or still presents the old certificate,
     or the cluster was unreachable or refused the client (the line names which)
  2  bad usage (no such broker or client identity, bad --bootstrap address)`,
    )
    .action(async (names: string[], options: ReloadOptions, command: Command) => {
      const context = commandContext(command);
      const { layout, out } = context;
      const stores: BrokerStore[] = [...(options.keystore || !options.truststore ? ['keystore' as const] : []), ...(options.truststore ? ['truststore' as const] : [])];
      const bootstrap = parseBootstrap(options.bootstrap);
      const inventory = await requireInventory(context);
      const wanted = [...new Set(names)];
      const records = wanted.map((name) => inventory.identities.find((record) => record.kind === 'broker' && record.status === 'active' && record.name === name));
      const unknown = wanted.filter((_, i) => !records[i]);
      if (unknown.length > 0) throw usageError(`no broker identity named ${unknown.join(', ')}`, 'see `samctl status` for the names');
      const client = parseIdentityName(options.client);
      const identity = await readClientIdentity(layout, client);

      const planned = records.map((record) => stores.map((store) => ({ store, action: reloadBrokerStore(layout, record!, store) })));
      const targets: BrokerConfigTarget[] = planned.map((actions, i) => ({
        broker: actions[0].action.broker,
        hosts: actions[0].action.hosts,
        reloads: actions.map(({ action }) => action.reload),
        listeners: renderedTlsListeners(records[i]!),
        presents: actions.find(({ action }) => action.presents)?.action.presents ?? null,
      }));
      const { cluster, outcomes } = await setBrokerConfigs(bootstrap, identity, targets);

      out.result({
        command: 'reload',
        bootstrap,
        client,
        clusterId: cluster.clusterId,
        brokers: outcomes.map((outcome, i) => ({
          broker: outcome.broker,
          nodeId: outcome.nodeId,
          reloaded: outcome.error ? [] : planned[i].map(({ store }) => store),
          configs: Object.fromEntries(outcome.sets.map((set) => [set.key, set.value])),
          presents: outcome.presented,
          error: outcome.error?.message ?? null,
        })),
      });
      outcomes.forEach((outcome, i) => {
        if (outcome.error) return;
        for (const { store, action } of planned[i]) {
          const seen = store === 'keystore' ? `, presents serial ${outcome.presented?.serial}` : " (a file it cannot load shows only in the broker's log)";
          const listeners = outcome.sets.filter((set) => set.key.endsWith(`.ssl.${store}.location`)).map((set) => set.key.split('.')[2]!.toUpperCase());
          out.line(`${out.style.green('✔')} ${outcome.broker} (node.id ${outcome.nodeId}): ${store} reloaded from ${action.reload.path} (${listeners.join(', ')})${seen}`);
        }
      });
      const failed = outcomes.filter((outcome) => outcome.error);
      if (failed.length === 1) throw operationError(`${brokerLabel(failed[0])}: ${failed[0].error!.message}`, failed[0].error!.hint);
      if (failed.length > 1) {
        throw operationError(
          `${failed.length} of ${outcomes.length} brokers not reloaded: ${failed.map((outcome) => `${brokerLabel(outcome)}: ${outcome.error!.message}`).join('; ')}`,
          failed[0].error!.hint,
        );
      }
    });
}

function brokerLabel(outcome: BrokerConfigOutcome): string {
  return outcome.nodeId === null ? `${outcome.broker} not reloaded` : `${outcome.broker} (node.id ${outcome.nodeId}) not reloaded`;
}

/** --bootstrap: host:port, or several separated by commas, as Kafka's bootstrap.servers. */
export function parseBootstrap(raw: string): string[] {
  return raw.split(',').map((address) => {
    const match = /^\[?([^\]\s]+?)\]?:(\d{1,5})$/.exec(address.trim());
    const port = match ? Number(match[2]) : NaN;
    if (!match || port < 1 || port > 65535) throw usageError(`invalid --bootstrap address "${address.trim()}": use host:port, e.g. sam01.ynformed.nl:9092`);
    return address.trim();
  });
}
