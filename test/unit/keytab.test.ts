import { describe, expect, it } from 'vitest';
import { enctypeName, KeytabFormatError, keytabPrincipals, parseKeytab } from '../../src/pki/keytab.js';
import { parseJaasEntry } from '../../src/check/kerberos.js';
import { kerberosShortName, krb5JaasConfig, parseKerberosPrincipal, principalToLocalRules } from '../../src/pki/kerberos.js';

/** One keytab record as MIT writes it (0x0502: name type present; a trailing 32-bit kvno optional). */
function record(components: string[], realm: string, o: { nameType?: number; timestamp?: number; kvno8: number; enctype: number; key: Buffer; kvno32?: number; v1?: boolean }): Buffer {
  const counted = (text: string | Buffer) => {
    const bytes = Buffer.isBuffer(text) ? text : Buffer.from(text, 'utf8');
    const length = Buffer.alloc(2);
    length.writeUInt16BE(bytes.length);
    return Buffer.concat([length, bytes]);
  };
  const u16 = (n: number) => Buffer.from([n >> 8, n & 0xff]);
  const u32 = (n: number) => {
    const b = Buffer.alloc(4);
    b.writeUInt32BE(n);
    return b;
  };
  const body = Buffer.concat([
    u16(components.length + (o.v1 ? 1 : 0)),
    counted(realm),
    ...components.map((c) => counted(c)),
    ...(o.v1 ? [] : [u32(o.nameType ?? 1)]),
    u32(o.timestamp ?? 1_796_000_000),
    Buffer.from([o.kvno8]),
    u16(o.enctype),
    counted(o.key),
    ...(o.kvno32 === undefined ? [] : [u32(o.kvno32)]),
  ]);
  const size = Buffer.alloc(4);
  size.writeInt32BE(body.length);
  return Buffer.concat([size, body]);
}

const hole = (n: number) => {
  const size = Buffer.alloc(4);
  size.writeInt32BE(-n);
  return Buffer.concat([size, Buffer.alloc(n)]);
};

describe('parseKeytab (MIT keytab 0x0502 / 0x0501)', () => {
  it('reads principals, realm, name type, kvno (the 32-bit one when present) and enctype, skipping holes', () => {
    const bytes = Buffer.concat([
      Buffer.from([0x05, 0x02]),
      record(['kafka', 'sam01.ynformed.nl'], 'YNFORMED.NL', { nameType: 3, kvno8: 2, enctype: 18, key: Buffer.alloc(32, 1), kvno32: 2 }),
      hole(20),
      record(['alice'], 'YNFORMED.NL', { kvno8: 255, enctype: 17, key: Buffer.alloc(16, 2), kvno32: 300 }),
      record(['alice'], 'YNFORMED.NL', { kvno8: 4, enctype: 20, key: Buffer.alloc(32, 3) }),
    ]);
    expect(parseKeytab(bytes)).toEqual([
      { principal: 'kafka/sam01.ynformed.nl@YNFORMED.NL', components: ['kafka', 'sam01.ynformed.nl'], realm: 'YNFORMED.NL', nameType: 3, timestamp: 1_796_000_000, kvno: 2, enctype: 18 },
      { principal: 'alice@YNFORMED.NL', components: ['alice'], realm: 'YNFORMED.NL', nameType: 1, timestamp: 1_796_000_000, kvno: 300, enctype: 17 },
      { principal: 'alice@YNFORMED.NL', components: ['alice'], realm: 'YNFORMED.NL', nameType: 1, timestamp: 1_796_000_000, kvno: 4, enctype: 20 },
    ]);
    expect(keytabPrincipals(parseKeytab(bytes))).toEqual(['kafka/sam01.ynformed.nl@YNFORMED.NL', 'alice@YNFORMED.NL']);
    expect([17, 18, 20, 99].map(enctypeName)).toEqual(['aes128-cts-hmac-sha1-96', 'aes256-cts-hmac-sha1-96', 'aes256-cts-hmac-sha384-192', 'etype 99']);
  });

  it('reads 0x0501 (realm counted among the components, no name type)', () => {
    const bytes = Buffer.concat([Buffer.from([0x05, 0x01]), record(['bob'], 'EXAMPLE.ORG', { kvno8: 7, enctype: 18, key: Buffer.alloc(32), v1: true })]);
    expect(parseKeytab(bytes)).toEqual([{ principal: 'bob@EXAMPLE.ORG', components: ['bob'], realm: 'EXAMPLE.ORG', nameType: 1, timestamp: 1_796_000_000, kvno: 7, enctype: 18 }]);
  });

  it('an empty keytab (header only, or holes only) has no entries', () => {
    expect(parseKeytab(Buffer.from([0x05, 0x02]))).toEqual([]);
    expect(parseKeytab(Buffer.concat([Buffer.from([0x05, 0x02]), hole(40)]))).toEqual([]);
  });

  it('refuses what is not a keytab, and truncated records', () => {
    expect(() => parseKeytab(Buffer.from(''))).toThrow(new KeytabFormatError('it is not a Kerberos keytab (no 0x0502 keytab header)'));
    expect(() => parseKeytab(Buffer.from('[libdefaults]\n'))).toThrow(/not a Kerberos keytab/);
    const good = Buffer.concat([Buffer.from([0x05, 0x02]), record(['alice'], 'R', { kvno8: 1, enctype: 18, key: Buffer.alloc(32) })]);
    expect(() => parseKeytab(good.subarray(0, good.length - 5))).toThrow(new KeytabFormatError('it is truncated (a 57-byte record at byte 2 runs past the end)'));
    const lying = Buffer.from(good);
    lying.writeUInt16BE(0xff00, 6); // the realm's length points past the record
    expect(() => parseKeytab(lying)).toThrow(new KeytabFormatError('its record at byte 2 is malformed (ends inside a field)'));
  });
});

describe('Kerberos names and settings', () => {
  it('parses principals with their realm and refuses realm-less or unquotable names', () => {
    expect(parseKerberosPrincipal('kafka/sam01.ynformed.nl@YNFORMED.NL')).toEqual({ name: 'kafka/sam01.ynformed.nl@YNFORMED.NL', components: ['kafka', 'sam01.ynformed.nl'], realm: 'YNFORMED.NL' });
    expect(() => parseKerberosPrincipal('alice')).toThrow(/--kerberos-principal "alice" has no realm/);
    expect(() => parseKerberosPrincipal('al"ice@R')).toThrow(/invalid --kerberos-principal/);
    expect(() => parseKerberosPrincipal('a/b/c@R')).toThrow(/invalid --kerberos-principal/);
  });

  it('writes the JAAS line, the principal rules and the short name exactly', () => {
    expect(krb5JaasConfig('/ssl/broker.keytab', 'kafka/sam01@YNFORMED.NL')).toBe('com.sun.security.auth.module.Krb5LoginModule required useKeyTab=true storeKey=true keyTab="/ssl/broker.keytab" principal="kafka/sam01@YNFORMED.NL";');
    expect(principalToLocalRules('YNFORMED.NL')).toBe('RULE:[1:$1@$0](.*@YNFORMED[.]NL)s/@.*//,DEFAULT');
    expect(kerberosShortName('alice@YNFORMED.NL')).toBe('alice');
    expect(kerberosShortName('kafka/sam01@YNFORMED.NL')).toBe('kafka');
  });
});

describe('parseJaasEntry (samctl check)', () => {
  it('reads the login module and options, quoted or not', () => {
    expect(parseJaasEntry('com.sun.security.auth.module.Krb5LoginModule required useKeyTab=true storeKey=true keyTab="/ssl/broker.keytab" principal="kafka/sam01@YNFORMED.NL";')).toEqual({
      loginModule: 'com.sun.security.auth.module.Krb5LoginModule',
      options: { useKeyTab: 'true', storeKey: 'true', keyTab: '/ssl/broker.keytab', principal: 'kafka/sam01@YNFORMED.NL' },
    });
    expect(parseJaasEntry('org.apache.kafka.common.security.scram.ScramLoginModule required;')).toEqual({ loginModule: 'org.apache.kafka.common.security.scram.ScramLoginModule', options: {} });
  });

  it('names what is broken: the semicolon, the flag, an unclosed quote', () => {
    expect(parseJaasEntry('com.sun.security.auth.module.Krb5LoginModule required useKeyTab=true')).toEqual({ problem: 'it does not end with a semicolon (Kafka: "JAAS config entry not terminated by semi-colon")' });
    expect(parseJaasEntry('com.sun.security.auth.module.Krb5LoginModule useKeyTab=true;')).toEqual({ problem: 'it does not start with "<LoginModule> required"' });
    expect(parseJaasEntry('M required keyTab="/a b;')).toEqual({ problem: 'it cannot be read from "keyTab="/a b" on (an unclosed quote, or a value with spaces and no quotes)' });
  });
});
