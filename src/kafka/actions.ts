import type { IdentityRecord } from '../store/inventory.js';
import { hostPlacement, type PkiLayout } from '../store/layout.js';

/**
 * Everything samctl asks of a running Kafka cluster, one function per action. Each action
 * has the face a reviewer can paste (a kafka-*.sh command line) and, where samctl performs
 * it itself, what the Admin-API call needs (performed by kafka/client.ts). Both faces are
 * built from the same values, so the printed command and the performed call cannot disagree.
 * ACLs and SCRAM users join here.
 */
export interface KafkaAction {
  /** What it does, in a few words. */
  summary: string;
  /** The same action as a kafka-*.sh command line. */
  command: string;
}

/** One dynamic config set on one broker's own config resource (not the cluster-wide default). */
export interface BrokerConfigSet {
  key: string;
  value: string;
}

/**
 * An action on one broker's config. The node.id is not part of it: samctl does not keep it,
 * the cluster's metadata tells it (kafka/client.ts matches `hosts` against the brokers' hosts).
 */
export interface BrokerConfigAction extends KafkaAction {
  /** The broker identity's name. */
  broker: string;
  /** Names the broker may be advertised under: its identity name and SANs. */
  hosts: string[];
  /** The store's file on the broker and the setting (under each TLS listener's prefix) that names it. */
  reload: StoreReload;
  /**
   * What the broker then presents to clients, when that can be seen from outside: a reloaded
   * keystore shows as the renewed certificate; a truststore cannot be seen (null).
   */
  presents: { serial: string; sha256: string } | null;
}

export type BrokerStore = 'keystore' | 'truststore';

/** A store to reload: `ssl.<store>.location` = `path`, set under every TLS listener's prefix. */
export interface StoreReload {
  store: BrokerStore;
  path: string;
}

/**
 * The listeners samctl's server-ssl.properties opens with TLS, by their config prefix names:
 * SSL, and SASL_SSL for a broker issued with --sasl. Both read the same keystore and
 * truststore, and each keeps the one it loaded until its own prefixed setting changes.
 */
export function renderedTlsListeners(record: Pick<IdentityRecord, 'sasl'>): string[] {
  return record.sasl ? ['ssl', 'sasl_ssl'] : ['ssl'];
}

/** The settings that reload `reload`'s store on each of `listeners` (KIP-226: listener-prefixed, per broker). */
export function storeReloadSets(listeners: string[], reload: StoreReload): BrokerConfigSet[] {
  return listeners.map((listener) => ({ key: `listener.name.${listener.toLowerCase()}.ssl.${reload.store}.location`, value: reload.path }));
}

/**
 * Makes a running broker re-read its keystore or truststore file without a restart (KIP-226):
 * re-giving the same path reloads the file when it changed. The path is where the broker
 * reads it, its install dir. A listener keeps the store it loaded until its own prefixed
 * setting is given, so every TLS listener gets one (SSL, and SASL_SSL for a SASL broker). In
 * the command the node.id is left for the operator (or examples/ci/renew.sh) to fill in;
 * `samctl reload` finds it in the cluster's metadata and the TLS listeners in the broker's config.
 */
export function reloadBrokerStore(layout: PkiLayout, record: IdentityRecord, store: BrokerStore): BrokerConfigAction {
  const sanNames = record.sans.filter((san) => san.startsWith('DNS:') || san.startsWith('IP:')).map((san) => san.slice(san.indexOf(':') + 1));
  const host = record.sans.find((san) => san.startsWith('DNS:'))?.slice(4) ?? record.name;
  const reload = { store, path: hostPlacement(layout, record).path(store) };
  return {
    summary: `reload ${record.name}'s ${store}`,
    command: alterBrokerConfigCommand(host, `<node.id of ${record.name}>`, storeReloadSets(renderedTlsListeners(record), reload)),
    broker: record.name,
    hosts: [...new Set([record.name, ...sanNames])],
    reload,
    presents: store === 'keystore' ? { serial: record.serial, sha256: record.sha256 } : null,
  };
}

/** kafka-configs.sh for one broker's own config: the face of IncrementalAlterConfigs (BROKER, SET). */
export function alterBrokerConfigCommand(host: string, nodeId: string, sets: BrokerConfigSet[]): string {
  return [
    `kafka-configs.sh --bootstrap-server ${host}:9092 --command-config admin-ssl.properties`,
    `--entity-type brokers --entity-name ${nodeId} --alter`,
    `--add-config ${sets.map((set) => `${set.key}=${set.value}`).join(',')}`,
  ].join(' ');
}
