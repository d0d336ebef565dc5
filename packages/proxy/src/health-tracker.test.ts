import http from 'node:http';
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { eventually, listen, tracker } from './__fixtures__/sockets.js';
import type { Endpoint } from './endpoint.js';
import { ActiveHealthCheckSchema, fromKumaHealthCheck } from './health-check-config.js';
import { probe } from './health-probe.js';
import { createHealthTracker, type HealthChange, type HealthTracker } from './health-tracker.js';

const t = tracker();
const trackers: HealthTracker[] = [];
afterEach(async () => {
  for (const h of trackers.splice(0)) h.close();
  await t.closeAll();
});

const local = (port: number): Endpoint => ({ address: '127.0.0.1', port });
const fast = { intervalMs: 40, timeoutMs: 300, unhealthyThreshold: 2, healthyThreshold: 2 };

function track(options: Parameters<typeof createHealthTracker>[0]) {
  const h = createHealthTracker(options);
  trackers.push(h);
  return h;
}

describe('active health checks', () => {
  it('takes a TCP endpoint out when it stops accepting and back in when it returns', async () => {
    let accepted = 0;
    const first = t.server(net.createServer((s) => void (accepted++, s.destroy())));
    const port = await listen(first);
    const changes: HealthChange[] = [];
    const health = track({ active: fast, onChange: (c) => changes.push(c) });
    health.setEndpoints([local(port)]);
    await eventually(() => accepted >= 2, 5000, 'probes');
    expect(health.isHealthy(local(port))).toBe(true);

    await new Promise<void>((r) => first.close(() => r()));
    await eventually(() => !health.isHealthy(local(port)), 5000, 'unhealthy');
    expect(changes).toEqual([
      { endpoint: local(port), healthy: false, cause: 'active', reason: 'ECONNREFUSED' },
    ]);
    expect(health.select([local(port)])).toEqual([]);

    await listen(t.server(net.createServer((s) => s.destroy())), port);
    await eventually(() => health.isHealthy(local(port)), 5000, 'healthy again');
    expect(changes.at(-1)).toEqual({ endpoint: local(port), healthy: true, cause: 'active' });
  });

  it('judges HTTP endpoints by status, 200 by default', async () => {
    let status = 200;
    const paths: string[] = [];
    const server = t.server(
      http.createServer((req, res) => {
        paths.push(req.url ?? '');
        res.writeHead(status).end();
      }),
    );
    const port = await listen(server);
    const health = track({ active: { ...fast, http: { path: '/health' } } });
    health.setEndpoints([local(port)]);
    await eventually(() => paths.length >= 2);
    expect(paths[0]).toBe('/health');
    expect(health.isHealthy(local(port))).toBe(true);
    status = 503;
    await eventually(() => !health.isHealthy(local(port)), 5000, 'unhealthy on 503');
    status = 200;
    await eventually(() => health.isHealthy(local(port)), 5000, 'healthy on 200');
  });

  it('stops probing endpoints that were removed', async () => {
    let accepted = 0;
    const port = await listen(t.server(net.createServer((s) => void (accepted++, s.destroy()))));
    const health = track({ active: fast });
    health.setEndpoints([local(port)]);
    await eventually(() => accepted >= 2);
    health.setEndpoints([]);
    await new Promise((r) => setTimeout(r, 100));
    const after = accepted;
    await new Promise((r) => setTimeout(r, 200));
    expect(accepted).toBe(after);
  });
});

describe('probe', () => {
  it('sends the TCP payload and finds every expected block in order', async () => {
    const port = await listen(
      t.server(
        net.createServer((s) => {
          s.on('error', () => {});
          s.on('data', (d) => {
            if (d.toString() === 'PING') {
              s.write('PO');
              setTimeout(() => s.write('xxNG'), 20);
            }
          });
        }),
      ),
    );
    const b64 = (text: string) => Buffer.from(text).toString('base64');
    const check = (receive: string[]) => ({ ...fast, tcp: { send: b64('PING'), receive: receive.map(b64) } });
    expect(await probe(local(port), check(['PO', 'NG']))).toEqual({ ok: true });
    expect(await probe(local(port), check(['NG', 'PO']))).toEqual({
      ok: false,
      reason: 'no answer within 300 ms',
    });
  });
});

describe('passive health checks', () => {
  it('ejects an endpoint after a failed connect, longer each time, until it succeeds', () => {
    let clock = 1_000;
    const changes: HealthChange[] = [];
    const health = track({
      passive: { baseEjectionMs: 100 },
      now: () => clock,
      onChange: (c) => changes.push(c),
    });
    const [a, b] = [local(1), local(2)];
    health.reportFailure(a, 'ECONNREFUSED');
    expect(health.select([a, b])).toEqual([b]);
    clock += 100;
    expect(health.isHealthy(a)).toBe(true);
    health.reportFailure(a);
    clock += 150;
    expect(health.isHealthy(a)).toBe(false);
    clock += 50;
    expect(health.isHealthy(a)).toBe(true);
    health.reportSuccess(a);
    health.reportFailure(a);
    clock += 100;
    expect(health.isHealthy(a)).toBe(true);
    expect(changes.map((c) => c.cause)).toEqual(['ejected', 'ejected', 'returned', 'ejected']);
  });

  it('offers ejected endpoints when nothing else is left, but never actively unhealthy ones', () => {
    const health = track({ passive: { consecutiveFailures: 2 } });
    const [a, b] = [local(1), local(2)];
    health.reportFailure(a);
    expect(health.select([a, b])).toEqual([a, b]);
    health.reportFailure(a);
    health.reportFailure(b);
    health.reportFailure(b);
    expect(health.select([a, b])).toEqual([a, b]);
    expect(health.isHealthy(a)).toBe(false);
  });

  it('can be turned off', () => {
    const health = track({ passive: false });
    health.reportFailure(local(1));
    expect(health.isHealthy(local(1))).toBe(true);
  });
});

describe('fromKumaHealthCheck', () => {
  it('converts Go durations and fills MeshHealthCheck defaults', () => {
    expect(
      fromKumaHealthCheck(
        { interval: '10s', timeout: '2s', unhealthyThreshold: 3, healthyThreshold: 1 },
        'tcp',
      ),
    ).toEqual({
      intervalMs: 10_000,
      timeoutMs: 2_000,
      unhealthyThreshold: 3,
      healthyThreshold: 1,
      tcp: {},
    });
    expect(fromKumaHealthCheck({ http: { expectedStatuses: [200, 204] } }, 'http')).toEqual({
      intervalMs: 60_000,
      timeoutMs: 15_000,
      unhealthyThreshold: 5,
      healthyThreshold: 1,
      http: { path: '/', expectedStatuses: [200, 204] },
    });
  });

  it('validates what arrives from the control plane, naming the field', () => {
    const result = ActiveHealthCheckSchema.safeParse({ ...fast, intervalMs: 0, http: { path: 'health' } });
    expect(result.success).toBe(false);
    expect(result.error?.issues.map((i) => i.path.join('.'))).toEqual(['intervalMs', 'http.path']);
  });
});
