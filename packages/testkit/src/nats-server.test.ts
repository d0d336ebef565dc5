import { connect, type Socket } from 'node:net';
import { get } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { startNats, startNatsHubWithLeaves } from './nats-server.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(cleanups.splice(0).map((cleanup) => cleanup()));
});

/**
 * A JetStream API request over the raw NATS text protocol: this package deliberately has no NATS
 * client dependency, and the protocol is small enough for a test.
 */
async function jsRequest(port: number, subject: string, body: string): Promise<string> {
  const socket: Socket = connect({ host: '127.0.0.1', port });
  let buffer = '';
  try {
    return await new Promise<string>((resolve, reject) => {
      socket.setTimeout(5_000, () => reject(new Error(`no answer to ${subject}`)));
      socket.on('error', reject);
      socket.on('data', (chunk: Buffer) => {
        buffer += chunk.toString('utf8');
        const match = /MSG reply\.1 1 (\d+)\r\n/.exec(buffer);
        if (match?.[1] === undefined) return;
        const start = (match.index ?? 0) + match[0].length;
        const length = Number(match[1]);
        if (Buffer.byteLength(buffer.slice(start)) >= length) resolve(buffer.slice(start, start + length));
      });
      socket.write('CONNECT {"verbose":false,"pedantic":false}\r\nSUB reply.1 1\r\n');
      socket.write(`PUB ${subject} reply.1 ${Buffer.byteLength(body)}\r\n${body}\r\n`);
    });
  } finally {
    socket.destroy();
  }
}

function monitor(port: number, path: string): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    get({ host: '127.0.0.1', port, path }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => {
        body += chunk;
      });
      response.on('end', () => resolve(JSON.parse(body) as Record<string, unknown>));
    }).on('error', reject);
  });
}

describe('startNats', () => {
  it('starts JetStream on a free port and keeps stream data across a SIGKILL and restart', async () => {
    const server = await startNats();
    cleanups.push(() => server.stop());
    expect(server.url).toBe(`nats://127.0.0.1:${server.port}`);

    const created = await jsRequest(
      server.port,
      '$JS.API.STREAM.CREATE.KEEP',
      JSON.stringify({ name: 'KEEP', subjects: ['keep.>'], storage: 'file' }),
    );
    expect(created).toContain('"type":"io.nats.jetstream.api.v1.stream_create_response"');
    expect(created).not.toContain('"error"');

    await server.kill();
    expect(server.isRunning()).toBe(false);
    await server.restart();
    expect(server.isRunning()).toBe(true);

    const info = await jsRequest(server.port, '$JS.API.STREAM.INFO.KEEP', '');
    expect(info).toContain('"name":"KEEP"');
    expect(info).not.toContain('"error"');
  });

  it('appends extra configuration and sets the JetStream domain', async () => {
    const server = await startNats({ domain: 'zone-x', config: 'max_payload: 2MB' });
    cleanups.push(() => server.stop());
    const varz = await monitor(server.monitorPort, '/varz');
    expect(varz['max_payload']).toBe(2 * 1024 * 1024);
    expect((varz['jetstream'] as { config?: { domain?: string } }).config?.domain).toBe('zone-x');
  });
});

describe('startNatsHubWithLeaves', () => {
  it('connects one leaf node per zone to a hub, with JetStream domains on both sides', async () => {
    const topology = await startNatsHubWithLeaves({ leaves: ['zone-1', 'zone-2'] });
    cleanups.push(() => topology.stop());
    const leafz = await monitor(topology.hub.monitorPort, '/leafz');
    expect(leafz['leafnodes']).toBe(2);

    // A client on zone-1's leaf creates a stream in the hub's domain through the leaf connection.
    const created = await jsRequest(
      topology.leaf('zone-1').port,
      '$JS.hub.API.STREAM.CREATE.ACROSS',
      JSON.stringify({ name: 'ACROSS', subjects: ['across.>'], storage: 'file' }),
    );
    expect(created).not.toContain('"error"');
    const hubInfo = await jsRequest(topology.hub.port, '$JS.API.STREAM.INFO.ACROSS', '');
    expect(hubInfo).toContain('"name":"ACROSS"');
    expect(() => topology.leaf('nowhere')).toThrow(/zone-1, zone-2/);
  });
});
