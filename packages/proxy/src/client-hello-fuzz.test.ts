/**
 * Property tests of the ClientHello/SNI parser against what any TCP client can send before the
 * handshake: random bytes, real ClientHellos with random edits, truncated or refragmented ones.
 * It never throws, always answers `incomplete` (asking for more than it has), `hello` or
 * `invalid` with a reason, never asks for more than its byte cap, and answers in bounded time.
 * Iterations: `ZONEMESH_FUZZ_RUNS` (default 500 per property).
 */
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { captureClientHello, refragment } from './__fixtures__/sockets.js';
import { type ClientHelloParse, parseClientHello } from './client-hello.js';

const runs = Number(process.env.ZONEMESH_FUZZ_RUNS ?? 500);
const maxBytes = 16 * 1024;

/** Fails the property (with a message fast-check reports beside its counterexample). */
function must(condition: boolean, what: string): void {
  if (!condition) throw new Error(what);
}

/** Parses and checks the answer's shape (the property every input must keep). */
function checked(data: Uint8Array): ClientHelloParse {
  const started = performance.now();
  const parsed = parseClientHello(data, maxBytes);
  must(performance.now() - started < 200, 'took over 200 ms');
  if (parsed.kind === 'incomplete') {
    must(parsed.needed > data.length, `asks for ${parsed.needed} bytes having ${data.length}`);
    must(parsed.needed <= maxBytes, `asks for ${parsed.needed} bytes, over its cap`);
  } else if (parsed.kind === 'invalid') {
    must(parsed.reason.length > 0, 'invalid without a reason');
  } else {
    must(parsed.kind === 'hello', `unknown answer ${JSON.stringify(parsed)}`);
    const name = parsed.hello.serverName;
    must(name === undefined || typeof name === 'string', 'a server name that is not a string');
    must(Array.isArray(parsed.hello.alpn), 'alpn is not a list');
  }
  return parsed;
}

describe('parseClientHello under random and mutated input', () => {
  const hellos: Buffer[] = [];
  beforeAll(async () => {
    hellos.push(
      await captureClientHello({ servername: 'backend{mesh=default}', ALPNProtocols: ['h2', 'http/1.1'] }),
      await captureClientHello({}),
      await captureClientHello({ servername: 'a'.repeat(200), maxVersion: 'TLSv1.2' }),
    );
  });

  it('never throws on random bytes', () => {
    const property = fc.property(fc.uint8Array({ maxLength: 2_048 }), (bytes) => {
      checked(bytes);
    });
    expect(() => fc.assert(property, { numRuns: runs })).not.toThrow();
  });

  it('never throws on random bytes that start like a handshake record', () => {
    const record = fc
      .tuple(fc.integer({ min: 0, max: 0xffff }), fc.uint8Array({ maxLength: 1_024 }))
      .map(([length, body]) => Uint8Array.from([22, 3, 1, length >> 8, length & 0xff, 1, ...body]));
    const property = fc.property(record, (bytes) => {
      checked(bytes);
    });
    expect(() => fc.assert(property, { numRuns: runs })).not.toThrow();
  });

  it('never throws on real ClientHellos with random bytes changed, cut or appended', () => {
    const edits = fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), {
      minLength: 1,
      maxLength: 6,
    });
    const property = fc.property(
      fc.nat({ max: 2 }),
      edits,
      fc.nat(),
      fc.uint8Array({ maxLength: 64 }),
      (which, changes, cut, tail) => {
        const hello = Buffer.from(hellos[which] ?? []);
        for (const [at, value] of changes) hello[at % hello.length] = value;
        checked(hello);
        checked(hello.subarray(0, cut % (hello.length + 1)));
        checked(Buffer.concat([hello, tail]));
      },
    );
    expect(() => fc.assert(property, { numRuns: runs })).not.toThrow();
  });

  it('reads the same SNI whatever the record fragmentation, and never "invalid" on a prefix', () => {
    const property = fc.property(
      fc.nat({ max: 2 }),
      fc.integer({ min: 1, max: 400 }),
      fc.nat(),
      (which, size, cut) => {
        const hello = hellos[which] ?? Buffer.alloc(0);
        const whole = checked(hello);
        const fragmented = refragment(hello, size);
        must(
          JSON.stringify(checked(fragmented)) === JSON.stringify(whole),
          'fragmentation changed the answer',
        );
        const prefix = checked(fragmented.subarray(0, cut % fragmented.length));
        must(prefix.kind === 'incomplete', `a prefix answered ${prefix.kind}`);
      },
    );
    expect(() => fc.assert(property, { numRuns: runs })).not.toThrow();
  });

  it('refuses a ClientHello larger than its cap instead of buffering it', () => {
    const header = Buffer.from([22, 3, 1, 0x40, 0x00, 1, 0x00, 0xff, 0xff]);
    const parsed = parseClientHello(header, 1_024);
    expect(parsed).toMatchObject({ kind: 'invalid' });
  });
});
