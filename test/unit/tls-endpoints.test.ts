import { describe, expect, it } from 'vitest';
import { alterBrokerConfigCommand, renderedTlsListeners, storeReloadSets } from '../../src/kafka/actions.js';
import { tlsEndpoints } from '../../src/kafka/client.js';

const reached = { host: 'sam01.example.com' };

describe('tlsEndpoints: the listeners a keystore reload must reach, from the broker config DescribeConfigs returns', () => {
  it("samctl's SASL broker: SSL and SASL_SSL at their advertised addresses, the controller left out", () => {
    const values = {
      listeners: 'SSL://:9092,SASL_SSL://:9094,CONTROLLER://:9093',
      'advertised.listeners': 'SSL://sam01.example.com:9092,SASL_SSL://sam01.example.com:9094',
      'listener.security.protocol.map': 'SSL:SSL,SASL_SSL:SASL_SSL,CONTROLLER:SSL',
      'controller.listener.names': 'CONTROLLER',
      'process.roles': 'broker,controller',
      'inter.broker.listener.name': 'SSL',
    };
    expect(tlsEndpoints(values, reached)).toEqual([
      { listener: 'ssl', host: 'sam01.example.com', port: 9092 },
      { listener: 'sasl_ssl', host: 'sam01.example.com', port: 9094 },
    ]);
  });

  it('any listener name mapped to SSL or SASL_SSL counts; PLAINTEXT and SASL_PLAINTEXT do not; a wildcard host is reached under the metadata host', () => {
    const values = {
      listeners: 'INTERNAL://0.0.0.0:19092,EXTERNAL://[::]:9093,PLAIN://127.0.0.1:9095,KERB://10.0.0.11:9096',
      'advertised.listeners': 'INTERNAL://:19092,EXTERNAL://kafka.example.org:443,PLAIN://127.0.0.1:9095,KERB://10.0.0.11:9096',
      'listener.security.protocol.map': 'INTERNAL:SSL,EXTERNAL:SASL_SSL,PLAIN:PLAINTEXT,KERB:SASL_PLAINTEXT',
      'inter.broker.listener.name': 'INTERNAL',
    };
    expect(tlsEndpoints(values, reached)).toEqual([
      { listener: 'internal', host: 'sam01.example.com', port: 19092 },
      { listener: 'external', host: 'kafka.example.org', port: 443 },
    ]);
  });

  it("no advertised.listeners: the listeners entries, and Kafka's default protocol map when none is set", () => {
    expect(tlsEndpoints({ listeners: 'SSL://10.0.0.11:9092,PLAINTEXT://:9091', 'inter.broker.listener.name': 'SSL' }, reached)).toEqual([{ listener: 'ssl', host: '10.0.0.11', port: 9092 }]);
  });

  it('nothing readable: no endpoints (the caller falls back to the listeners samctl rendered)', () => {
    expect(tlsEndpoints({}, reached)).toEqual([]);
  });
});

describe('the printed reload command names every TLS listener samctl renders', () => {
  it('a SASL broker gets SSL and SASL_SSL, in one --add-config', () => {
    const listeners = renderedTlsListeners({ sasl: { mechanism: 'GSSAPI', port: 9094 } } as Parameters<typeof renderedTlsListeners>[0]);
    expect(listeners).toEqual(['ssl', 'sasl_ssl']);
    expect(alterBrokerConfigCommand('sam01.example.com', '1', storeReloadSets(listeners, { store: 'keystore', path: '/ssl/broker.keystore.jks' }))).toBe(
      'kafka-configs.sh --bootstrap-server sam01.example.com:9092 --command-config admin-ssl.properties --entity-type brokers --entity-name 1 --alter --add-config listener.name.ssl.ssl.keystore.location=/ssl/broker.keystore.jks,listener.name.sasl_ssl.ssl.keystore.location=/ssl/broker.keystore.jks',
    );
  });

  it('an mTLS-only broker gets SSL alone', () => {
    expect(renderedTlsListeners({})).toEqual(['ssl']);
    expect(storeReloadSets(['ssl'], { store: 'truststore', path: '/ssl/broker.truststore.p12' })).toEqual([{ key: 'listener.name.ssl.ssl.truststore.location', value: '/ssl/broker.truststore.p12' }]);
  });
});
