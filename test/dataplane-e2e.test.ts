/**
 * The data path across two zones with real processes: a global and two zone control planes over
 * nats-server, a zone ingress per zone, and `zonemesh-dp` sidecars in front of tiny TCP apps.
 * `frontend` (zone-1) reaches `backend1` (zone-1) directly and `backend2` (zone-2) through
 * zone-2's ingress; `intruder` is denied at the destination; a TrafficPermission removed at
 * global cuts the path and restored reopens it; a dead app leaves the endpoints and comes back;
 * traffic survives the global and then the zone control planes going away; plaintext clients
 * and other meshes' certificates are refused.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import tls from 'node:tls';
import { freePort } from '@zonemesh/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getJson, put, type RunningFederation, startFederation } from './gui-federation.ts';
import {
  call,
  hold,
  metricValue,
  type RunningProxy,
  scratchDir,
  startIngress,
  startSidecar,
  startTcpApp,
  type TcpApp,
  waitUntil,
} from './mesh-proxies.ts';

const permission = (from: string, to: string) =>
  [
    'type: TrafficPermission',
    'mesh: default',
    `name: ${from}-to-${to}`,
    'sources:',
    '  - match:',
    `      kuma.io/service: ${from}`,
    'destinations:',
    '  - match:',
    `      kuma.io/service: ${to}`,
    '',
  ].join('\n');

let federation: RunningFederation;
let dir: string;
const apps: Record<string, TcpApp> = {};
const proxies: Record<string, RunningProxy> = {};
const port = { frontendToBackend1: 0, frontendToBackend2: 0, intruderToBackend1: 0, intruderToBackend2: 0 };

beforeAll(async () => {
  dir = scratchDir();
  federation = await startFederation({ zones: ['zone-1', 'zone-2'], zoneOfflineTimeout: '30s' });
  const global = federation.global.base;
  await put(
    global,
    '/meshes/default',
    'type: Mesh\nname: default\nmtls:\n  enabledBackend: ca-1\n  backends:\n    - name: ca-1\n      type: builtin\n',
  );
  await put(
    global,
    '/meshes/default/traffic-permissions/frontend-to-backend1',
    permission('frontend', 'backend1'),
  );
  await put(
    global,
    '/meshes/default/traffic-permissions/frontend-to-backend2',
    permission('frontend', 'backend2'),
  );
  for (const key of Object.keys(port) as (keyof typeof port)[]) port[key] = await freePort();
  const zone1 = federation.zone('zone-1');
  const zone2 = federation.zone('zone-2');
  apps.backend1 = await startTcpApp('backend1');
  apps.backend2 = await startTcpApp('backend2');
  const started = await Promise.all([
    startIngress('ingress-zone-1', zone1, dir),
    startIngress('ingress-zone-2', zone2, dir),
    startSidecar({ name: 'backend1-1', service: 'backend1', appPort: apps.backend1.port }, zone1, dir),
    startSidecar({ name: 'backend2-1', service: 'backend2', appPort: apps.backend2.port }, zone2, dir),
    startSidecar(
      {
        name: 'frontend-1',
        service: 'frontend',
        outbounds: [
          { port: port.frontendToBackend1, service: 'backend1' },
          { port: port.frontendToBackend2, service: 'backend2' },
        ],
      },
      zone1,
      dir,
    ),
    startSidecar(
      {
        name: 'intruder-1',
        service: 'intruder',
        outbounds: [
          { port: port.intruderToBackend1, service: 'backend1' },
          { port: port.intruderToBackend2, service: 'backend2' },
        ],
      },
      zone1,
      dir,
    ),
  ]);
  for (const proxy of started) proxies[proxy.name] = proxy;
});

afterAll(async () => {
  await Promise.all(Object.values(proxies).map((proxy) => proxy.process.stop('SIGTERM')));
  await Promise.all(Object.values(apps).map((app) => app.stop()));
  await federation?.stop();
});

const reaches = (from: number, answer: string) => async () => (await call(from)) === answer;

describe('the data path across zones', () => {
  it('frontend reaches backend1 in its zone and backend2 in zone-2 through the ingress', async () => {
    await waitUntil('frontend -> backend1', reaches(port.frontendToBackend1, 'backend1'), 30_000);
    await waitUntil('frontend -> backend2', reaches(port.frontendToBackend2, 'backend2'), 30_000);
    expect(
      await metricValue(proxies['ingress-zone-2']?.admin ?? '', 'zonemesh_proxy_connections_total', {
        direction: 'ingress',
        service: 'backend2',
      }),
    ).toBeGreaterThan(0);
  });

  it('denies intruder at the destination sidecar, counted and logged with the deciding policy', async () => {
    expect(await call(port.intruderToBackend1)).toBe('');
    expect(await call(port.intruderToBackend2)).toBe('');
    const backend2 = proxies['backend2-1'];
    expect(
      await metricValue(backend2?.admin ?? '', 'zonemesh_proxy_denied_connections_total', {
        service: 'backend2',
        source_service: 'intruder',
      }),
    ).toBeGreaterThan(0);
    const denial = backend2?.process
      .output()
      .split('\n')
      .find((line) => line.includes('"connection denied"') && line.includes('intruder'));
    expect(denial).toContain('"destination":"backend2"');
    expect(denial).toContain('"name":"frontend-to-backend2"');
  });

  it('cuts frontend -> backend2 when the permission is deleted at global, and reopens it when applied again', async () => {
    const removed = await fetch(
      `${federation.global.base}/meshes/default/traffic-permissions/frontend-to-backend2`,
      {
        method: 'DELETE',
      },
    );
    expect(removed.status).toBe(200);
    const cutMs = await waitUntil(
      'frontend -> backend2 denied',
      async () => (await call(port.frontendToBackend2)) === '',
      5_000,
    );
    expect(cutMs).toBeLessThan(3_000);
    expect(await call(port.frontendToBackend1)).toBe('backend1');
    await put(
      federation.global.base,
      '/meshes/default/traffic-permissions/frontend-to-backend2',
      permission('frontend', 'backend2'),
    );
    await waitUntil(
      'frontend -> backend2 allowed again',
      reaches(port.frontendToBackend2, 'backend2'),
      5_000,
    );
  });

  it('takes backend2 out when its app dies and puts it back when the app returns', async () => {
    const zone2 = federation.zone('zone-2').base;
    const ready = async () =>
      (await getJson(`${zone2}/meshes/default/dataplanes/backend2-1`)).body?.networking?.inbound?.[0]?.health
        ?.ready;
    await apps.backend2?.stop();
    await waitUntil('backend2-1 reported unhealthy', async () => (await ready()) === false, 10_000);
    expect(await call(port.frontendToBackend2)).toBe('');
    await apps.backend2?.start();
    await waitUntil('backend2-1 reported healthy', async () => (await ready()) !== false, 10_000);
    await waitUntil('frontend -> backend2 back', reaches(port.frontendToBackend2, 'backend2'), 10_000);
  });

  it('refuses a plaintext client and a client certified by another mesh CA at the inbound', async () => {
    const inbound = proxies['backend1-1']?.port ?? 0;
    expect(await call(inbound)).toBe('');
    const foreign = foreignCertificate('frontend');
    const answer = await new Promise<string>((resolve) => {
      let got = '';
      const socket = tls.connect({
        host: '127.0.0.1',
        port: inbound,
        servername: 'backend1{mesh=default}',
        key: foreign.key,
        cert: foreign.cert,
        rejectUnauthorized: false,
      });
      const done = () => {
        socket.destroy();
        resolve(got);
      };
      socket.setEncoding('utf8');
      socket.on('secureConnect', () => socket.write('ping\n'));
      socket.on('data', (text: string) => {
        got += text;
      });
      socket.on('error', done);
      socket.on('close', done);
      setTimeout(done, 2_000);
    });
    expect(answer).not.toContain('backend1');
    expect(await call(port.frontendToBackend1)).toBe('backend1');
  });

  it('keeps existing and new connections working without the global CP, then without the zone CPs', async () => {
    const held1 = await hold(port.frontendToBackend1);
    const held2 = await hold(port.frontendToBackend2);
    expect(await held1.ask()).toBe('backend1');
    expect(await held2.ask()).toBe('backend2');
    await federation.global.process.kill();
    expect(await held1.ask()).toBe('backend1');
    expect(await held2.ask()).toBe('backend2');
    expect(await call(port.frontendToBackend1)).toBe('backend1');
    expect(await call(port.frontendToBackend2)).toBe('backend2');
    await federation.zone('zone-1').process.kill();
    await federation.zone('zone-2').process.kill();
    await waitUntil(
      'frontend sees its control plane gone',
      async () =>
        (await metricValue(proxies['frontend-1']?.admin ?? '', 'zonemesh_proxy_control_plane_connected')) ===
        0,
    );
    expect(await held1.ask()).toBe('backend1');
    expect(await held2.ask()).toBe('backend2');
    for (let i = 0; i < 5; i++) {
      expect(await call(port.frontendToBackend1)).toBe('backend1');
      expect(await call(port.frontendToBackend2)).toBe('backend2');
    }
    expect(await call(port.intruderToBackend2)).toBe('');
    held1.close();
    held2.close();
  });
});

/** A workload certificate for `service` in mesh `default`, issued by a CA no zone knows. */
function foreignCertificate(service: string): { key: string; cert: string } {
  const run = (args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'ignore' });
  run(
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:P-256',
      '-nodes',
      '-keyout',
      'other-ca.key',
    ].concat(['-out', 'other-ca.pem', '-days', '1', '-subj', '/CN=other-mesh-ca']),
  );
  run(
    [
      'req',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:P-256',
      '-nodes',
      '-keyout',
      'foreign.key',
    ].concat(['-out', 'foreign.csr', '-subj', `/CN=${service}`]),
  );
  const ext = join(dir, 'foreign.ext');
  execFileSync('sh', [
    '-c',
    `printf 'subjectAltName=URI:spiffe://default/${service},URI:kuma://kuma.io/service/${service}\\n' > ${ext}`,
  ]);
  run(
    [
      'x509',
      '-req',
      '-in',
      'foreign.csr',
      '-CA',
      'other-ca.pem',
      '-CAkey',
      'other-ca.key',
      '-CAcreateserial',
    ].concat(['-out', 'foreign.pem', '-days', '1', '-extfile', ext]),
  );
  return {
    key: readFileSync(join(dir, 'foreign.key'), 'utf8'),
    cert: readFileSync(join(dir, 'foreign.pem'), 'utf8'),
  };
}
