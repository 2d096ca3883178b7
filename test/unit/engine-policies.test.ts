import { describe, expect, it } from 'vitest';
import { hostPolicy, renewerPolicy } from '../../src/engine/policies.js';
import { parseBrokerProperties } from '../../src/lifecycle/pull.js';

describe('parseBrokerProperties (samctl pull --reload)', () => {
  it('node.id and the SSL listener; a wildcard host is reached on loopback', () => {
    const text = 'process.roles=broker,controller\nnode.id=3\nlisteners=CONTROLLER://:9093,SSL://0.0.0.0:9092\nlistener.security.protocol.map=CONTROLLER:PLAINTEXT,SSL:SSL\n';
    expect(parseBrokerProperties(text, 'server.properties')).toEqual({ nodeId: '3', bootstrap: '127.0.0.1:9092', listener: 'SSL' });
    expect(parseBrokerProperties('node.id = 1\nlisteners = SSL://sam01.ynformed.nl:9094\n', 'f')).toEqual({ nodeId: '1', bootstrap: 'sam01.ynformed.nl:9094', listener: 'SSL' });
  });
  it('refuses a file without node.id or SSL listener, naming the file', () => {
    expect(() => parseBrokerProperties('listeners=SSL://:9092\n', '/etc/kafka/server.properties')).toThrow('/etc/kafka/server.properties sets no node.id');
    expect(() => parseBrokerProperties('node.id=1\nlisteners=PLAINTEXT://:9092\n', 'f')).toThrow('f has no SSL listener in listeners=');
  });
});

describe('policies', () => {
  const mounts = { pkiMount: 'kafka-pki', kvMount: 'kafka-kv' };
  it('a host reads its own identity path only', () => {
    expect(hostPolicy(mounts, 'broker', 'sam01.ynformed.nl')).toEqual({
      name: 'samctl-host-broker-sam01.ynformed.nl',
      purpose: 'the host of broker sam01.ynformed.nl: samctl pull reads this one identity',
      hcl: '# samctl: the host of broker sam01.ynformed.nl: samctl pull reads this one identity\n\npath "kafka-kv/data/samctl/kafka-pki/brokers/sam01.ynformed.nl" {\n  capabilities = ["read"]\n}\n',
    });
  });
  it('the renewer: exactly these paths (no sign-verbatim, config/ca, root, sys/)', () => {
    const paths = [...renewerPolicy(mounts).hcl.matchAll(/^path "([^"]+)" \{\n  capabilities = (\[[^\]]*\])/gm)].map((m) => `${m[1]} ${m[2]}`);
    expect(paths).toEqual([
      'kafka-pki/sign/samctl-* ["create", "update"]',
      'kafka-pki/roles/samctl-* ["read"]',
      'kafka-pki/issuer/default/json ["read"]',
      'kafka-pki/revoke ["create", "update"]',
      'kafka-kv/data/samctl/kafka-pki/* ["create", "read", "update", "delete"]',
      'kafka-kv/metadata/samctl/kafka-pki/* ["read", "list"]',
    ]);
  });
});
