import type { IdentityRecord } from '../store/inventory.js';
import { hostPlacement, type PkiLayout } from '../store/layout.js';

/**
 * Everything samctl asks of a running Kafka cluster, one function per action. Each action
 * has the face a reviewer can paste (a kafka-*.sh command line) and, where samctl performs
 * it itself, the Admin-API call (kafka/client.ts). ACLs and SCRAM users join here.
 */
export interface KafkaAction {
  /** What it does, in a few words. */
  summary: string;
  /** The same action as a kafka-*.sh command line. */
  command: string;
}

/**
 * Makes a running broker re-read its keystore or truststore file without a restart (KIP-226):
 * re-giving the same path reloads the file when it changed. The path is where the broker
 * reads it, its install dir. samctl does not know the broker's node.id: it is left for the
 * operator (or examples/ci/renew.sh) to fill in.
 */
export function reloadBrokerStore(layout: PkiLayout, record: IdentityRecord, store: 'keystore' | 'truststore'): KafkaAction {
  const host = record.sans.find((san) => san.startsWith('DNS:'))?.slice(4) ?? record.name;
  const location = hostPlacement(layout, record).path(store);
  return {
    summary: `reload ${record.name}'s ${store}`,
    command: [
      `kafka-configs.sh --bootstrap-server ${host}:9092 --command-config admin-ssl.properties`,
      `--entity-type brokers --entity-name <node.id of ${record.name}> --alter`,
      `--add-config listener.name.ssl.ssl.${store}.location=${location}`,
    ].join(' '),
  };
}
