import type { ProxyHealthCheck } from '@zonemesh/api';
import type { Endpoint, ProbeResult } from '@zonemesh/proxy';
import { afterEach, describe, expect, it } from 'vitest';
import { type ActiveChecks, createActiveChecks } from './active-health.js';

const check: ProxyHealthCheck = {
  interval: 20,
  timeout: 10,
  unhealthyThreshold: 2,
  healthyThreshold: 2,
  type: 'tcp',
  policy: { type: 'HealthCheck', name: 'hc' },
};
const a: Endpoint = { address: '127.0.0.1', port: 1 };
const b: Endpoint = { address: '127.0.0.1', port: 2 };

let checks: ActiveChecks | undefined;
afterEach(() => checks?.close());

async function until(what: string, predicate: () => boolean): Promise<void> {
  const deadline = Date.now() + 3_000;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

describe('active health checks', () => {
  it('marks an endpoint unhealthy after unhealthyThreshold failures and back after healthyThreshold successes', async () => {
    let up = true;
    const changes: string[] = [];
    checks = createActiveChecks({
      probe: async (): Promise<ProbeResult> => (up ? { ok: true } : { ok: false, reason: 'ECONNREFUSED' }),
      onChange: (endpoint, healthy, reason) => changes.push(`${endpoint.port}:${healthy}:${reason ?? ''}`),
    });
    checks.setCheck(check);
    checks.setEndpoints([a]);
    expect(checks.isHealthy(a)).toBe(true);
    up = false;
    await until('unhealthy', () => !checks?.isHealthy(a));
    up = true;
    await until('healthy again', () => checks?.isHealthy(a) === true);
    expect(changes).toEqual(['1:true:', '1:false:ECONNREFUSED', '1:true:']);
  });

  it('probes only the current endpoints and forgets removed ones', async () => {
    const probed = new Set<number>();
    const forgotten: number[] = [];
    checks = createActiveChecks({
      probe: async (endpoint) => {
        probed.add(endpoint.port);
        return { ok: false, reason: 'down' };
      },
      onForget: (endpoint) => forgotten.push(endpoint.port),
    });
    checks.setCheck(check);
    checks.setEndpoints([a, b]);
    await until('both unhealthy', () => !checks?.isHealthy(a) && !checks?.isHealthy(b));
    checks.setEndpoints([b]);
    expect(forgotten).toEqual([1]);
    expect(checks.isHealthy(a)).toBe(true);
    expect(checks.isHealthy(b)).toBe(false);
  });

  it('treats every endpoint as healthy without a check', async () => {
    let probes = 0;
    checks = createActiveChecks({
      probe: async () => {
        probes++;
        return { ok: false, reason: 'down' };
      },
    });
    checks.setEndpoints([a]);
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(probes).toBe(0);
    expect(checks.isHealthy(a)).toBe(true);
    checks.setCheck(check);
    await until('unhealthy once checked', () => !checks?.isHealthy(a));
    checks.setCheck(undefined);
    expect(checks.isHealthy(a)).toBe(true);
  });

  it('survives being stopped or closed while a probe is in flight, and a probe that throws', async () => {
    let release: (() => void) | undefined;
    let probes = 0;
    checks = createActiveChecks({
      probe: async (): Promise<ProbeResult> => {
        probes++;
        if (probes === 1) throw new Error('probe blew up');
        await new Promise<void>((resolve) => {
          release = resolve;
        });
        return { ok: true };
      },
    });
    checks.setCheck(check);
    checks.setEndpoints([a]);
    await until('a second probe in flight', () => release !== undefined);
    checks.setEndpoints([]); // stops the endpoint's checking mid-probe
    release?.();
    checks.close();
    // An unhandled rejection here fails the run (vitest reports it); give the probe time to settle.
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(probes).toBe(2);
  });
});
