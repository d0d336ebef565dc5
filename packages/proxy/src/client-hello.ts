/**
 * A TLS ClientHello reader that learns the SNI (and ALPN) without decrypting anything: the
 * ClientHello is the one plaintext handshake message. Pure: it works on bytes, so the socket code
 * ({@link peekSni}) and the tests share it.
 *
 * Handles a ClientHello split across TCP segments (call again with more bytes) and across TLS
 * records (a handshake message may be fragmented over several records, RFC 8446 5.1).
 */

/** The outcome of parsing the bytes received so far. */
export type ClientHelloParse =
  /** More bytes are needed; `needed` is a lower bound of how many in total. */
  | { readonly kind: 'incomplete'; readonly needed: number }
  /** A complete, well-formed ClientHello. */
  | { readonly kind: 'hello'; readonly hello: ClientHello }
  /** Not a ClientHello, or a malformed one; `reason` says what is wrong. */
  | { readonly kind: 'invalid'; readonly reason: string };

/** What a proxy may learn from a ClientHello. */
export interface ClientHello {
  /** The `host_name` of the server_name extension; undefined when the client sent none. */
  readonly serverName: string | undefined;
  /** ALPN protocols offered, in order; empty when none. */
  readonly alpn: readonly string[];
  /** `legacy_version` of the ClientHello (0x0303 for TLS 1.2 and 1.3). */
  readonly version: number;
}

const recordHeader = 5;
const handshakeHeader = 4;
const contentTypeHandshake = 22;
const handshakeClientHello = 1;
/** TLSPlaintext.length may not exceed 2^14 (RFC 8446 5.1). */
const maxRecordPayload = 16384;
const extServerName = 0;
const extAlpn = 16;

/**
 * Parses the start of a TLS connection. Returns `incomplete` while the ClientHello is not all
 * there and no more than `maxBytes` have been seen; `invalid` once the bytes cannot be a
 * ClientHello, or when a complete one would exceed `maxBytes`. Never throws.
 */
export function parseClientHello(data: Uint8Array, maxBytes = 64 * 1024): ClientHelloParse {
  const view = Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  // Gather the handshake bytes from consecutive handshake records.
  const fragments: Buffer[] = [];
  let gathered = 0;
  let offset = 0;
  let messageLength = -1;
  while (true) {
    if (messageLength >= 0 && gathered >= handshakeHeader + messageLength) break;
    // Judge each header byte as soon as it arrives, so garbage is refused without waiting.
    const type = view[offset];
    if (type !== undefined && type !== contentTypeHandshake) {
      return invalid(
        offset === 0
          ? `not a TLS handshake (first byte 0x${hex(type)})`
          : `record of type ${type} inside the ClientHello`,
      );
    }
    const major = view[offset + 1];
    if (major !== undefined && major !== 3)
      return invalid(`unsupported record version ${major}.${view[offset + 2] ?? 0}`);
    if (view.length < offset + recordHeader) return incomplete(offset + recordHeader, maxBytes);
    const length = view.readUInt16BE(offset + 3);
    if (length === 0) return invalid('empty handshake record');
    if (length > maxRecordPayload) return invalid(`record length ${length} exceeds 16384`);
    const end = offset + recordHeader + length;
    if (end > maxBytes) return invalid(`ClientHello larger than ${maxBytes} bytes`);
    const available = Math.min(end, view.length);
    fragments.push(view.subarray(offset + recordHeader, available));
    gathered += available - offset - recordHeader;
    if (messageLength < 0 && gathered >= handshakeHeader) {
      const head = fragments.length === 1 ? (fragments[0] as Buffer) : Buffer.concat(fragments);
      if (head[0] !== handshakeClientHello)
        return invalid(`handshake message type ${head[0] ?? 0} is not ClientHello`);
      messageLength = head.readUIntBE(1, 3);
      if (recordHeader + handshakeHeader + messageLength > maxBytes) {
        return invalid(`ClientHello larger than ${maxBytes} bytes`);
      }
    }
    if (available < end) {
      // The record is not all here yet; ask for its end (or the message end, whichever is first).
      const needed =
        messageLength < 0 ? end : Math.min(end, offset + recordHeader + handshakeHeader + messageLength);
      if (messageLength >= 0 && gathered >= handshakeHeader + messageLength) break;
      return incomplete(needed, maxBytes);
    }
    offset = end;
  }
  const message = fragments.length === 1 ? (fragments[0] as Buffer) : Buffer.concat(fragments);
  const body = message.subarray(handshakeHeader, handshakeHeader + messageLength);
  const parsed = parseBody(body);
  if (typeof parsed === 'string') return invalid(parsed);
  return { kind: 'hello', hello: parsed };
}

function parseBody(body: Buffer): ClientHello | string {
  const reader = new Reader(body);
  const version = reader.u16();
  reader.skip(32); // random
  const sessionId = reader.u8();
  if (sessionId > 32) return `session id length ${sessionId} exceeds 32`;
  reader.skip(sessionId);
  const suites = reader.u16();
  if (suites === 0 || suites % 2 !== 0) return `cipher suites length ${suites} is not a positive even number`;
  reader.skip(suites);
  const compression = reader.u8();
  if (compression === 0) return 'no compression methods';
  reader.skip(compression);
  if (reader.failed) return 'ClientHello truncated before its extensions';
  if (reader.remaining === 0) return { serverName: undefined, alpn: [], version };
  const extensionsLength = reader.u16();
  if (reader.failed || extensionsLength !== reader.remaining)
    return 'extensions length does not match the message';
  let serverName: string | undefined;
  let alpn: string[] = [];
  const seen = new Set<number>();
  while (reader.remaining > 0) {
    const type = reader.u16();
    const length = reader.u16();
    if (reader.failed || length > reader.remaining) return 'extension overruns the message';
    if (seen.has(type)) return `extension ${type} appears twice`;
    seen.add(type);
    const data = reader.bytes(length);
    if (type === extServerName) {
      const name = parseServerName(data);
      if (typeof name === 'object') return name.error;
      serverName = name;
    } else if (type === extAlpn) {
      const protocols = parseAlpn(data);
      if (typeof protocols === 'string') return protocols;
      alpn = protocols;
    }
  }
  return { serverName, alpn, version };
}

function parseServerName(data: Buffer): string | undefined | { error: string } {
  const reader = new Reader(data);
  const listLength = reader.u16();
  if (reader.failed || listLength !== reader.remaining || listLength === 0)
    return { error: 'malformed server_name list' };
  let hostName: string | undefined;
  while (reader.remaining > 0) {
    const nameType = reader.u8();
    const length = reader.u16();
    if (reader.failed || length > reader.remaining) return { error: 'server_name entry overruns its list' };
    const name = reader.bytes(length);
    if (nameType !== 0) continue;
    if (hostName !== undefined) return { error: 'two host_name entries in server_name' };
    if (length === 0 || length > 255) return { error: `host_name length ${length} outside 1..255` };
    for (const byte of name)
      if (byte < 0x21 || byte > 0x7e) return { error: 'host_name has a byte outside printable ASCII' };
    hostName = name.toString('latin1');
  }
  return hostName;
}

function parseAlpn(data: Buffer): string[] | string {
  const reader = new Reader(data);
  const listLength = reader.u16();
  if (reader.failed || listLength !== reader.remaining || listLength === 0) return 'malformed ALPN list';
  const out: string[] = [];
  while (reader.remaining > 0) {
    const length = reader.u8();
    if (length === 0 || length > reader.remaining) return 'malformed ALPN protocol name';
    out.push(reader.bytes(length).toString('latin1'));
  }
  return out;
}

/** Bounds-checked big-endian reader; reads past the end set `failed` instead of throwing. */
class Reader {
  private at = 0;
  failed = false;
  constructor(private readonly buf: Buffer) {}
  get remaining(): number {
    return this.buf.length - this.at;
  }
  u8(): number {
    return this.take(1) ? (this.buf[this.at - 1] ?? 0) : 0;
  }
  u16(): number {
    return this.take(2) ? this.buf.readUInt16BE(this.at - 2) : 0;
  }
  skip(n: number): void {
    this.take(n);
  }
  bytes(n: number): Buffer {
    return this.take(n) ? this.buf.subarray(this.at - n, this.at) : Buffer.alloc(0);
  }
  private take(n: number): boolean {
    if (this.failed || this.at + n > this.buf.length) {
      this.failed = true;
      this.at = this.buf.length;
      return false;
    }
    this.at += n;
    return true;
  }
}

function incomplete(needed: number, maxBytes: number): ClientHelloParse {
  if (needed > maxBytes) return invalid(`ClientHello larger than ${maxBytes} bytes`);
  return { kind: 'incomplete', needed };
}

function invalid(reason: string): ClientHelloParse {
  return { kind: 'invalid', reason };
}

function hex(byte: number): string {
  return byte.toString(16).padStart(2, '0');
}
