import type { IssuedIdentity } from '../identity.js';
import { hostPlacement, type PkiLayout } from '../store/layout.js';
import type { Output } from '../output.js';

/**
 * What a GSSAPI identity's processes must be given after issuing: the realm's krb5.conf, to the
 * JVM as -Djava.security.krb5.conf (broker, Java tools) and to MIT's library as KRB5_CONFIG
 * (librdkafka, kafka-python). The --krb5-conf copy at its host path, else the host's /etc/krb5.conf.
 */
export function printKerberosHints(out: Output, layout: PkiLayout, issued: IssuedIdentity[]): void {
  for (const { record } of issued) {
    const kerberos = record.sasl?.kerberos;
    if (!kerberos) continue;
    const krb5Conf = kerberos.krb5Conf ? hostPlacement(layout, record).path('krb5Conf') : '/etc/krb5.conf';
    if (record.kind === 'broker') {
      out.line(`Kerberos: ${record.name} logs in as ${kerberos.principal}; start the broker with KAFKA_OPTS=-Djava.security.krb5.conf=${krb5Conf}`);
    } else {
      out.line(`Kerberos: ${record.name} logs in as ${kerberos.principal}; Java tools: KAFKA_OPTS=-Djava.security.krb5.conf=${krb5Conf}; librdkafka, kafka-python: KRB5_CONFIG=${krb5Conf}`);
    }
  }
}
