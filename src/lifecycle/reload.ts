import { join } from 'node:path';
import { STORE_FILES } from '../keystore/stores.js';
import type { IdentityRecord } from '../store/inventory.js';

/**
 * The dynamic-config command that makes a running broker re-read its keystore or truststore
 * file without a restart (KIP-226). samctl does not know the broker's node.id: it is left
 * for the operator (or examples/ci/renew.sh) to fill in.
 */
export function brokerReloadCommand(record: IdentityRecord, root: string, store: 'keystore' | 'truststore'): string {
  const host = record.sans.find((san) => san.startsWith('DNS:'))?.slice(4) ?? record.name;
  return [
    `kafka-configs.sh --bootstrap-server ${host}:9092 --command-config admin-ssl.properties`,
    `--entity-type brokers --entity-name <node.id of ${record.name}> --alter`,
    `--add-config listener.name.ssl.ssl.${store}.location=${join(root, record.dir, STORE_FILES[record.storeType][store])}`,
  ].join(' ');
}
