import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { captureClientHello, refragment } from './__fixtures__/sockets.js';
import { parseClientHello } from './client-hello.js';

describe('parseClientHello on real ClientHellos', () => {
  let withSni: Buffer;
  let withoutSni: Buffer;
  beforeAll(async () => {
    withSni = await captureClientHello({
      servername: 'backend{mesh=default,version=v1}',
      ALPNProtocols: ['h2', 'http/1.1'],
    });
    withoutSni = await captureClientHello({});
  });
  afterAll(() => {});

  it('reads the SNI and ALPN of a tls.connect ClientHello', () => {
    const parsed = parseClientHello(withSni);
    expect(parsed).toEqual({
      kind: 'hello',
      hello: { serverName: 'backend{mesh=default,version=v1}', alpn: ['h2', 'http/1.1'], version: 0x0303 },
    });
  });

  it('reports no SNI when the client sent none', () => {
    expect(parseClientHello(withoutSni)).toMatchObject({ kind: 'hello', hello: { serverName: undefined } });
  });

  it('asks for more bytes on every strict prefix', () => {
    const wrong: number[] = [];
    for (let n = 0; n < withSni.length; n++) {
      const parsed = parseClientHello(withSni.subarray(0, n));
      if (parsed.kind !== 'incomplete' || parsed.needed <= n) wrong.push(n);
    }
    expect(wrong).toEqual([]);
  });

  it('reassembles a ClientHello fragmented over many TLS records', () => {
    for (const size of [1, 7, 100, 300]) {
      const fragmented = refragment(withSni, size);
      expect(parseClientHello(fragmented)).toMatchObject({
        kind: 'hello',
        hello: { serverName: 'backend{mesh=default,version=v1}' },
      });
      expect(parseClientHello(fragmented.subarray(0, fragmented.length - 1)).kind).toBe('incomplete');
    }
  });

  it('refuses what is not a ClientHello, with a reason, as early as it can tell', () => {
    expect(parseClientHello(Buffer.from('G'))).toEqual({
      kind: 'invalid',
      reason: 'not a TLS handshake (first byte 0x47)',
    });
    expect(parseClientHello(Buffer.from('GET / HTTP/1.1\r\n\r\n')).kind).toBe('invalid');
    expect(parseClientHello(Buffer.from([22, 2, 0]))).toMatchObject({
      reason: 'unsupported record version 2.0',
    });
    const notHello = Buffer.from(withSni);
    notHello[5] = 2; // ServerHello
    expect(parseClientHello(notHello)).toMatchObject({
      reason: 'handshake message type 2 is not ClientHello',
    });
    const interleaved = Buffer.concat([
      refragment(withSni, 50).subarray(0, 55),
      Buffer.from([23, 3, 3, 0, 1, 0]),
    ]);
    expect(parseClientHello(interleaved)).toMatchObject({
      reason: 'record of type 23 inside the ClientHello',
    });
  });

  it('refuses corrupted length fields', () => {
    const body = 5 + 4;
    const sessionIdAt = body + 2 + 32;
    const badSession = Buffer.from(withSni);
    badSession[sessionIdAt] = 33;
    expect(parseClientHello(badSession)).toMatchObject({
      kind: 'invalid',
      reason: 'session id length 33 exceeds 32',
    });
    const hugeRecord = Buffer.from(withSni);
    hugeRecord.writeUInt16BE(16385, 3);
    expect(parseClientHello(hugeRecord)).toMatchObject({ reason: 'record length 16385 exceeds 16384' });
  });

  it('bounds the bytes it will wait for', () => {
    expect(parseClientHello(withSni, 100)).toEqual({
      kind: 'invalid',
      reason: 'ClientHello larger than 100 bytes',
    });
    expect(parseClientHello(refragment(withSni, 40), 100).kind).toBe('invalid');
  });

  it('never throws on mutated input', () => {
    let seed = 42;
    const random = () => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed;
    };
    const kinds = new Set<string>();
    for (let i = 0; i < 3000; i++) {
      const mutated = Buffer.from(withSni);
      for (let k = 0; k <= i % 4; k++) mutated[5 + (random() % (mutated.length - 5))] = random() & 0xff;
      const cut = mutated.subarray(0, random() % 2 === 0 ? mutated.length : random() % mutated.length);
      kinds.add(parseClientHello(cut).kind);
    }
    expect(kinds).toContain('invalid');
  });
});
