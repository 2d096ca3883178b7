import type { TlsIdentity } from '../net/tls-probe.js';

export interface KafkaAnswer {
  clusterId: string;
  brokers: Array<{ id: number; host: string; port: number }>;
}

/**
 * One metadata round trip (ApiVersions first, as every Kafka client does) through a
 * maintained Kafka client: proof that Kafka, not just some TLS server, answers.
 */
export async function fetchClusterMetadata(bootstrap: string, identity: TlsIdentity, servername: string | undefined): Promise<KafkaAnswer> {
  // Loaded on demand: the client and its schema validators cost ~0.3 s of startup that no other command needs.
  const { Admin } = await import('@platformatic/kafka');
  const admin = new Admin({
    clientId: 'samctl-probe',
    bootstrapBrokers: [bootstrap],
    tls: { key: identity.key, cert: identity.cert, ca: identity.ca, rejectUnauthorized: true, servername },
    tlsServerName: servername ?? false,
    connectTimeout: 10_000,
    timeout: 10_000,
    retries: 1,
  });
  try {
    const metadata = await admin.metadata({ topics: [] });
    return {
      clusterId: metadata.id,
      brokers: [...metadata.brokers.entries()].map(([id, broker]) => ({ id, host: broker.host, port: broker.port })),
    };
  } finally {
    await admin.close().catch(() => undefined);
  }
}
