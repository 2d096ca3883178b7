/**
 * MIT keytab files (what `kadmin ktadd -k` and FreeIPA's `ipa-getkeytab` write), read far enough
 * to say which principals a keytab holds: samctl checks the named principal is there before it
 * writes a broker or client that would fail its Kerberos login at startup.
 *
 * Format (MIT krb5 src/lib/krb5/keytab/kt_file.c, doc "keytab file format"): a 2-byte version
 * 0x05 0x02 (0x0501: older, native byte order, component count includes the realm, no name
 * type), then records `int32 size` + `size` bytes; a negative size is a hole left by a removed
 * entry (skip -size bytes). A record: uint16 component count, counted realm, counted
 * components, uint32 name type (0x0502), uint32 timestamp, uint8 kvno, uint16 enctype, counted
 * key, then optionally a uint32 kvno that overrides the 8-bit one when non-zero. Counted
 * strings are a uint16 length and bytes. Big-endian in 0x0502.
 */

export interface KeytabEntry {
  /** `primary/instance@REALM`, as klist -k prints it. */
  principal: string;
  components: string[];
  realm: string;
  nameType: number;
  /** Seconds since the epoch. */
  timestamp: number;
  kvno: number;
  enctype: number;
}

/** Why bytes are not a keytab samctl can use; the caller names the file and the fix. */
export class KeytabFormatError extends Error {}

/** RFC 3961/3962/8009 and MIT's names for the enctypes a keytab may hold (klist -e). */
const ENCTYPE_NAMES: Record<number, string> = {
  1: 'des-cbc-crc',
  3: 'des-cbc-md5',
  16: 'des3-cbc-sha1',
  17: 'aes128-cts-hmac-sha1-96',
  18: 'aes256-cts-hmac-sha1-96',
  19: 'aes128-cts-hmac-sha256-128',
  20: 'aes256-cts-hmac-sha384-192',
  23: 'arcfour-hmac',
  24: 'arcfour-hmac-exp',
  25: 'camellia128-cts-cmac',
  26: 'camellia256-cts-cmac',
};

export function enctypeName(enctype: number): string {
  return ENCTYPE_NAMES[enctype] ?? `etype ${enctype}`;
}

/** Every entry of a keytab, in file order. Throws KeytabFormatError for anything that is not one. */
export function parseKeytab(bytes: Uint8Array): KeytabEntry[] {
  const data = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (data.length < 2 || data[0] !== 0x05 || (data[1] !== 0x01 && data[1] !== 0x02)) {
    throw new KeytabFormatError('it is not a Kerberos keytab (no 0x0502 keytab header)');
  }
  const v1 = data[1] === 0x01;
  // 0x0501 files are in the writer's byte order; they are read big-endian, like 0x0502.
  const entries: KeytabEntry[] = [];
  let offset = 2;
  while (offset < data.length) {
    if (offset + 4 > data.length) throw new KeytabFormatError(`it is truncated (a record length at byte ${offset} is cut off)`);
    const size = data.readInt32BE(offset);
    offset += 4;
    if (size === 0) break; // MIT stops at a zero length (space reserved at the end)
    if (size < 0) {
      offset += -size; // a hole left by ktremove
      continue;
    }
    if (offset + size > data.length) throw new KeytabFormatError(`it is truncated (a ${size}-byte record at byte ${offset - 4} runs past the end)`);
    entries.push(parseRecord(data.subarray(offset, offset + size), v1, offset - 4));
    offset += size;
  }
  return entries;
}

function parseRecord(record: Buffer, v1: boolean, at: number): KeytabEntry {
  let pos = 0;
  const need = (n: number) => {
    if (pos + n > record.length) throw new KeytabFormatError(`its record at byte ${at} is malformed (ends inside a field)`);
  };
  const u16 = () => {
    need(2);
    const value = record.readUInt16BE(pos);
    pos += 2;
    return value;
  };
  const u32 = () => {
    need(4);
    const value = record.readUInt32BE(pos);
    pos += 4;
    return value;
  };
  const counted = () => {
    const length = u16();
    need(length);
    const value = record.subarray(pos, pos + length);
    pos += length;
    return value;
  };
  let count = u16();
  if (v1) count -= 1; // 0x0501 counts the realm as a component
  const realm = counted().toString('utf8');
  const components: string[] = [];
  for (let i = 0; i < count; i++) components.push(counted().toString('utf8'));
  const nameType = v1 ? 1 : u32();
  const timestamp = u32();
  need(1);
  let kvno = record[pos]!;
  pos += 1;
  const enctype = u16();
  counted(); // the key itself: samctl never looks at it
  if (record.length - pos >= 4) {
    const kvno32 = u32();
    if (kvno32 !== 0) kvno = kvno32;
  }
  if (components.length === 0 || realm === '') throw new KeytabFormatError(`its record at byte ${at} has no principal name`);
  return { principal: `${components.join('/')}@${realm}`, components, realm, nameType, timestamp, kvno, enctype };
}

/** The distinct principals of a keytab, in file order. */
export function keytabPrincipals(entries: KeytabEntry[]): string[] {
  return [...new Set(entries.map((entry) => entry.principal))];
}
