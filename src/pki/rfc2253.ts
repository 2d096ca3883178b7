import forge from 'node-forge';

/**
 * Distinguished names as Java prints them: X500Principal.getName(), the RFC 2253 string Kafka's
 * principal builder hands to ssl.principal.mapping.rules. Read from the certificate's DER, not
 * from forge's attribute list, because forge flattens multi-valued RDNs (CN=a+UID=b).
 *
 * What Java does (sun.security.x509.AVA.toRFC2253String, JDK 17), and this module with it:
 *   - RDNs in reverse order (least significant first), joined by ','; the AVAs of a
 *     multi-valued RDN in their DER order, joined by '+';
 *   - keywords only for CN C L ST O OU STREET DC UID; any other type as its dotted OID, and
 *     then the value as '#' + the hex of its DER encoding (1.2.840.113549.1.9.1=#16…);
 *   - a value that is not a string type (UTF8String, PrintableString, T61String, IA5String,
 *     GeneralString, BMPString) also as '#' + hex;
 *   - the bytes of every string type decoded as UTF-8 (malformed bytes become U+FFFD);
 *   - a backslash before each of , = + < > # ; " \ anywhere in a value (Java escapes = and #
 *     everywhere, OpenSSL's RFC 2253 output does not), NUL as \00, and before every leading
 *     and trailing space or carriage return.
 */

export interface Ava {
  oid: string;
  /** The value's ASN.1 node, as in the certificate. */
  value: forge.asn1.Asn1;
}

export type Rdn = Ava[];

const KEYWORDS: Record<string, string> = {
  '2.5.4.3': 'CN',
  '2.5.4.6': 'C',
  '2.5.4.7': 'L',
  '2.5.4.8': 'ST',
  '2.5.4.10': 'O',
  '2.5.4.11': 'OU',
  '2.5.4.9': 'STREET',
  '0.9.2342.19200300.100.1.25': 'DC',
  '0.9.2342.19200300.100.1.1': 'UID',
};

// Universal tags of the string types Java prints as text (DerValue; forge names only some of them).
const UTF8_STRING = 12;
const PRINTABLE_STRING = 19;
const T61_STRING = 20;
const IA5_STRING = 22;
const GENERAL_STRING = 27;
const BMP_STRING = 30;
const STRING_TAGS = new Set<number>([UTF8_STRING, PRINTABLE_STRING, T61_STRING, IA5_STRING, GENERAL_STRING, BMP_STRING]);

/** The subject name of a certificate, as encoded in it (signed or parsed). */
export function subjectName(cert: forge.pki.Certificate): forge.asn1.Asn1 {
  return tbsField(cert, 4);
}

export function issuerName(cert: forge.pki.Certificate): forge.asn1.Asn1 {
  return tbsField(cert, 2);
}

/** The subject DN exactly as Java's X500Principal.getName() prints it. */
export function subjectRfc2253(cert: forge.pki.Certificate): string {
  return formatRfc2253(rdnsOf(subjectName(cert)));
}

export function issuerRfc2253(cert: forge.pki.Certificate): string {
  return formatRfc2253(rdnsOf(issuerName(cert)));
}

function tbsField(cert: forge.pki.Certificate, index: number): forge.asn1.Asn1 {
  // forge keeps the TBSCertificate of a certificate it parsed or signed.
  const withTbs = cert as unknown as { tbsCertificate?: forge.asn1.Asn1 };
  const getTbs = (forge.pki as unknown as { getTBSCertificate: (c: forge.pki.Certificate) => forge.asn1.Asn1 }).getTBSCertificate;
  const tbs = (withTbs.tbsCertificate ?? getTbs(cert)).value as forge.asn1.Asn1[];
  // version is [0] EXPLICIT and may be absent (v1).
  const offset = tbs[0].tagClass === forge.asn1.Class.CONTEXT_SPECIFIC && tbs[0].type === 0 ? 1 : 0;
  return tbs[offset + index];
}

/** The RDNs of a Name (RDNSequence), most significant first as encoded. */
export function rdnsOf(name: forge.asn1.Asn1): Rdn[] {
  return (name.value as forge.asn1.Asn1[]).map((set) =>
    (set.value as forge.asn1.Asn1[]).map((sequence) => {
      const [type, value] = sequence.value as forge.asn1.Asn1[];
      return { oid: forge.asn1.derToOid(type.value as string), value };
    }),
  );
}

/** One RDN per attribute, as forge writes attributes given as text (the values samctl builds). */
export function rdnsOfAttributes(attributes: forge.pki.CertificateField[]): Rdn[] {
  return attributes.map((attribute) => {
    const oid = attribute.type ?? forge.pki.oids[attribute.name ?? SHORT_NAMES[attribute.shortName ?? '']];
    const tag = (attribute as { valueTagClass?: number }).valueTagClass ?? PRINTABLE_STRING;
    const text = String(attribute.value);
    const bytes = tag === UTF8_STRING ? forge.util.encodeUtf8(text) : text;
    return [{ oid, value: forge.asn1.create(forge.asn1.Class.UNIVERSAL, tag, false, bytes) }];
  });
}

const SHORT_NAMES: Record<string, string> = { CN: 'commonName', C: 'countryName', L: 'localityName', ST: 'stateOrProvinceName', O: 'organizationName', OU: 'organizationalUnitName', E: 'emailAddress' };

export function formatRfc2253(rdns: Rdn[]): string {
  return [...rdns]
    .reverse()
    .map((rdn) => rdn.map(formatAva).join('+'))
    .join(',');
}

function formatAva(ava: Ava): string {
  const keyword = KEYWORDS[ava.oid] ?? ava.oid;
  const { value } = ava;
  const isString = value.tagClass === forge.asn1.Class.UNIVERSAL && !value.constructed && STRING_TAGS.has(value.type);
  if (!(keyword in REVERSE_KEYWORDS) || !isString) {
    return `${keyword}=#${forge.util.bytesToHex(forge.asn1.toDer(value).getBytes())}`;
  }
  return `${keyword}=${escapeValue(decodeValue(contentBytes(value)))}`;
}

const REVERSE_KEYWORDS = Object.fromEntries(Object.values(KEYWORDS).map((keyword) => [keyword, true]));

/** A primitive value's content octets; forge holds a BMPString's as UTF-16 text. */
function contentBytes(value: forge.asn1.Asn1): string {
  const held = value.value as string;
  if (value.type !== BMP_STRING) return held;
  let bytes = '';
  for (let i = 0; i < held.length; i += 1) bytes += String.fromCharCode(held.charCodeAt(i) >> 8, held.charCodeAt(i) & 0xff);
  return bytes;
}

/**
 * AVA.toRFC2253String reads every string type's bytes as UTF-8 (JDK 17, measured: a
 * PrintableString holding C3 BC prints "ü", a lone byte FC prints U+FFFD, a BMPString's
 * zero bytes print as \00).
 */
function decodeValue(bytes: string): string {
  return new TextDecoder('utf-8').decode(Buffer.from(bytes, 'binary'));
}

function escapeValue(value: string): string {
  const escaped = [...value].map((char) => (char === '\u0000' ? '\\00' : ',=+<>#;"\\'.includes(char) ? `\\${char}` : char)).join('');
  // Leading and trailing spaces and carriage returns each get a backslash.
  const lead = /^[ \r]*/.exec(escaped)![0].length;
  const trail = lead === escaped.length ? 0 : /[ \r]*$/.exec(escaped)![0].length;
  const chars = [...escaped];
  return chars.map((char, i) => (i < lead || i >= chars.length - trail ? `\\${char}` : char)).join('');
}

/**
 * The attributes of a Name in the form forge writes back byte for byte: UTF8String values as
 * text (forge encodes those itself), every other value as its raw bytes. Copying a parsed
 * certificate's attribute list instead would encode UTF-8 values twice.
 */
export function nameAttributes(name: forge.asn1.Asn1): forge.pki.CertificateField[] {
  return rdnsOf(name).flatMap((rdn) =>
    rdn.map(({ oid, value }) => {
      const text = value.type === UTF8_STRING ? decodeValue(value.value as string) : (value.value as string);
      // @types/node-forge declares valueTagClass as a Class; forge reads it as the value's universal tag.
      return { type: oid, value: text, valueTagClass: value.type } as unknown as forge.pki.CertificateField;
    }),
  );
}

/** One attribute of a certificate's subject (CN, O, OU …) as text, if present. */
export function subjectAttribute(cert: forge.pki.Certificate, shortName: string): string | undefined {
  const oid = forge.pki.oids[SHORT_NAMES[shortName] ?? shortName];
  const attribute = nameAttributes(subjectName(cert)).find((candidate) => candidate.type === oid);
  return attribute === undefined ? undefined : String(attribute.value);
}
