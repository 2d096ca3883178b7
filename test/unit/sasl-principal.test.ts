import { describe, expect, it } from 'vitest';
import { kerberosShortNameUnderRules, saslPrincipal } from '../../src/pki/sasl-principal.js';
import { SHORT_NAME_CASES } from './kerberos-short-name-cases.js';

describe('the principal of a SASL client', () => {
  it.each(SHORT_NAME_CASES)('GSSAPI $name (broker realm $brokerRealm, default realm $defaultRealm) → $expected', ({ name, brokerRealm, defaultRealm, expected }) => {
    const result = kerberosShortNameUnderRules(name, { brokerRealm, defaultRealm });
    expect(result.name).toBe(expected);
    if (expected === null) expect(result.error).toContain(`no rule of RULE:[1:$1@$0](.*@${brokerRealm.replace(/\./g, '[.]')})s/@.*//,DEFAULT applies to ${name}`);
  });

  it('SCRAM: User:<client name>; GSSAPI: User:<short name>; not SASL: undefined', () => {
    expect(saslPrincipal({ name: 'ingest', sasl: { mechanism: 'scram-sha-512' } }, undefined)).toEqual({ principal: 'User:ingest' });
    expect(saslPrincipal({ name: 'alice-laptop', sasl: { mechanism: 'gssapi', kerberos: { principal: 'alice@YNFORMED.NL' } } }, { brokerRealm: 'YNFORMED.NL', defaultRealm: 'YNFORMED.NL' })).toEqual({ principal: 'User:alice' });
    expect(saslPrincipal({ name: 'etl', sasl: { mechanism: 'gssapi', kerberos: { principal: 'etl/batch@OTHER.ORG' } } }, undefined)).toEqual({ principal: 'User:etl' });
    expect(saslPrincipal({ name: 'bob', sasl: { mechanism: 'gssapi', kerberos: { principal: 'bob@OTHER.ORG' } } }, { brokerRealm: 'YNFORMED.NL', defaultRealm: 'YNFORMED.NL' }).principal).toBeNull();
    expect(saslPrincipal({ name: 'plain' }, undefined)).toBeUndefined();
  });
});
