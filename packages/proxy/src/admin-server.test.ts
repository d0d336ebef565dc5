import { createLifecycle, createLogger, createMetricsRegistry } from '@zonemesh/runtime';
import { afterEach, describe, expect, it } from 'vitest';
import { setupAdminServer } from './admin-server.js';
import { createProxyMetrics } from './proxy-metrics.js';

const stops: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const stop of stops.splice(0)) await stop();
});

describe('proxy admin server', () => {
  it('answers /ready with 503 until the proxy serves, and /metrics with the shared instruments', async () => {
    const log = createLogger({ level: 'silent' });
    const metrics = createMetricsRegistry();
    const lifecycle = createLifecycle({ log });
    const runtime = { config: { adminAddress: { host: '127.0.0.1', port: 0 } }, log, metrics, lifecycle };
    createProxyMetrics(metrics, { connectionsHelp: 'Connections accepted here' }).connections.inc({
      direction: 'inbound',
      service: 'web',
    });
    let serving = false;
    const server = setupAdminServer(runtime, () => ({ serving: () => serving }));
    await lifecycle.start();
    stops.push(() => lifecycle.stop());
    const address = server.address();
    const base = `http://${address?.host}:${address?.port}`;

    const before = await fetch(`${base}/ready`);
    expect(before.status).toBe(503);
    expect(await before.text()).toBe('waiting for the first configuration from the control plane\n');
    serving = true;
    const after = await fetch(`${base}/ready`);
    expect([after.status, await after.text()]).toEqual([200, 'ok\n']);

    const text = await (await fetch(`${base}/metrics`)).text();
    expect(text).toContain('# HELP zonemesh_proxy_connections_total Connections accepted here');
    expect(text).toContain('zonemesh_proxy_connections_total{direction="inbound",service="web"} 1');
    for (const name of [
      'zonemesh_proxy_info',
      'zonemesh_proxy_control_plane_connected',
      'zonemesh_proxy_config_updates_total',
      'zonemesh_proxy_active_connections',
      'zonemesh_proxy_bytes_total',
      'zonemesh_proxy_upstream_failures_total',
    ])
      expect(text).toContain(`# TYPE ${name} `);
  });
});
