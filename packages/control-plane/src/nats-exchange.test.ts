import { connect, type NatsConnection } from '@nats-io/transport-node';
import { createLogger } from '@zonemesh/runtime';
import { type NatsServer, startNats } from '@zonemesh/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeJson, onEveryConnection, serveRequests } from './nats-exchange.js';

let nats: NatsServer;
beforeAll(async () => {
  nats = await startNats();
});
afterAll(async () => {
  await nats.stop();
});

describe('nats exchange', () => {
  it('answers requests in the queue group, keeps answering after a failed answer, and leaves on abort', async () => {
    const server = await connect({ servers: nats.url });
    const client = await connect({ servers: nats.url });
    const stop = new AbortController();
    const seen: (NatsConnection | undefined)[] = [];
    let once = false;
    const done = serveRequests({
      connection: async () => {
        if (once) throw new Error('no more connections');
        once = true;
        return server;
      },
      signal: stop.signal,
      subject: 'zm.test.*',
      queue: 'zm-test',
      log: createLogger({ level: 'silent' }),
      label: 'test exchange',
      answer: async (msg) => {
        const body = decodeJson(msg.data) as { n?: number } | undefined;
        if (body?.n === undefined) throw new Error('no n');
        msg.respond(JSON.stringify({ zone: msg.subject.split('.')[2], twice: body.n * 2 }));
      },
      onConnection: (nc) => seen.push(nc),
    });
    await server.flush();

    await expect(client.request('zm.test.east', 'not json', { timeout: 300 })).rejects.toThrow(/timeout/i);
    const reply = await client.request('zm.test.east', JSON.stringify({ n: 21 }), { timeout: 2_000 });
    expect(decodeJson(reply.data)).toEqual({ zone: 'east', twice: 42 });

    stop.abort();
    await done;
    expect(seen).toEqual([server, undefined]);
    await expect(client.request('zm.test.east', JSON.stringify({ n: 1 }), { timeout: 300 })).rejects.toThrow(
      /no responders/i,
    );
    await Promise.all([server.close(), client.close()]);
  });

  it('runs one session per connection and cleans each up when it closes', async () => {
    const first = await connect({ servers: nats.url });
    const second = await connect({ servers: nats.url });
    const queue = [first, second];
    const events: string[] = [];
    const stop = new AbortController();
    const done = onEveryConnection(
      {
        connection: async () => {
          const next = queue.shift();
          if (next === undefined) {
            stop.abort();
            throw new Error('no more connections');
          }
          return next;
        },
        signal: stop.signal,
      },
      (nc) => {
        const name = nc === first ? 'first' : 'second';
        events.push(`start ${name}`);
        return () => {
          events.push(`cleanup ${name}`);
        };
      },
    );
    await first.close();
    await second.close();
    await done;
    expect(events).toEqual(['start first', 'cleanup first', 'start second', 'cleanup second']);
  });

  it('decodes JSON bodies and yields undefined for anything else', () => {
    const encode = (text: string) => new TextEncoder().encode(text);
    expect(decodeJson(encode('{"v":"1"}'))).toEqual({ v: '1' });
    expect(decodeJson(encode('{'))).toBeUndefined();
  });
});
