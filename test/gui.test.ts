/**
 * The GUI as a person sees it, in headless Chromium (Debian's `chromium`, driven by
 * playwright-core): a global control plane and two zones over a real nats-server, dataplanes
 * registered through the zones' REST API. The overview shows both zones Online and then a stopped
 * zone Offline; the services page counts a service present in two zones; the traffic form answers
 * as `zmctl inspect traffic` does; the dataplane page names the policies per inbound and outbound;
 * empty and unreachable states are shown. Screenshots go to `test/artifacts/` (gitignored).
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  dataplaneYaml,
  eventually,
  getJson,
  put,
  type RunningFederation,
  startFederation,
  zmctlBin,
} from './gui-federation.ts';

const chromiumPath = '/usr/bin/chromium';
const artifacts = fileURLToPath(new URL('./artifacts/', import.meta.url));
const chromiumArgs = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

let federation: RunningFederation;
let browser: Browser;
let page: Page;
/** Requests the page made to anything but its own control plane (there must be none). */
const foreignRequests: string[] = [];
const pageErrors: string[] = [];
/** Questions the page sent to `_inspect/traffic`. */
let inspectRequests = 0;

/**
 * Opens the empty traffic form. From another traffic link this is a same-document navigation:
 * wait until the page has shown it (no verdict, empty inputs) before typing.
 */
async function openTrafficForm(): Promise<void> {
  await page.goto(`${federation.global.base}/gui/#/meshes/default/traffic`);
  await page.locator('[data-testid="verdict"]').waitFor({ state: 'detached' });
  await page.waitForFunction(
    () => document.querySelector<HTMLInputElement>('input[name="source"]')?.value === '',
  );
}

async function shot(name: string): Promise<void> {
  await page.screenshot({ path: `${artifacts}${name}.png`, fullPage: false });
}

function zmctl(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [zmctlBin, ...args], { env: { PATH: process.env.PATH ?? '' } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end();
  });
}

const meshWithMtls =
  'type: Mesh\nname: default\nmtls:\n  enabledBackend: ca-1\n  backends:\n    - name: ca-1\n      type: builtin\n';
const frontendToBackends = `type: TrafficPermission
name: frontend-to-backend
mesh: default
sources:
  - match:
      kuma.io/service: frontend
destinations:
  - match:
      kuma.io/service: backend
`;

beforeAll(async () => {
  if (!existsSync(chromiumPath)) {
    throw new Error(
      `${chromiumPath} is missing: the GUI test drives Debian's chromium. Install it with \`node scripts/ensure-chromium.mjs\` (runs apt-get install -y chromium as root).`,
    );
  }
  mkdirSync(artifacts, { recursive: true });
  federation = await startFederation({ zones: ['zone-1', 'zone-2'], zoneOfflineTimeout: '8s' });
  const { global } = federation;
  await put(global.base, '/meshes/default', meshWithMtls);
  await put(global.base, '/meshes/empty', 'type: Mesh\nname: empty\n');
  await put(global.base, '/meshes/default/traffic-permissions/frontend-to-backend', frontendToBackends);
  // The mesh must reach each zone before its Dataplanes can be written there.
  for (const zone of federation.zones.values()) {
    await eventually(
      () => getJson(`${zone.base}/meshes/default/traffic-permissions/frontend-to-backend`),
      (r) => r.status === 200,
      `the policy on ${zone.name}`,
    );
  }
  const zone1 = federation.zone('zone-1').base;
  const zone2 = federation.zone('zone-2').base;
  await put(
    zone1,
    '/meshes/default/dataplanes/frontend-1',
    dataplaneYaml({
      name: 'frontend-1',
      service: 'frontend',
      port: 8080,
      outbound: [{ port: 10001, service: 'backend' }],
    }),
  );
  await put(
    zone1,
    '/meshes/default/dataplanes/backend-1',
    dataplaneYaml({ name: 'backend-1', service: 'backend', port: 8081 }),
  );
  await put(
    zone2,
    '/meshes/default/dataplanes/backend-2',
    dataplaneYaml({ name: 'backend-2', service: 'backend', port: 8082 }),
  );
  await put(
    zone2,
    '/meshes/default/dataplanes/backend-3',
    dataplaneYaml({ name: 'backend-3', service: 'backend', port: 8083, healthy: false }),
  );
  await eventually(
    () => getJson(`${global.base}/meshes/default/dataplanes`),
    (r) => r.body.total === 4,
    'the four dataplanes on global',
  );

  browser = await chromium.launch({ executablePath: chromiumPath, args: chromiumArgs });
  page = await browser.newPage({ viewport: { width: 1366, height: 768 } });
  const origin = new URL(global.base).origin;
  page.on('request', (request) => {
    if (!request.url().startsWith(origin) && !request.url().startsWith('data:'))
      foreignRequests.push(request.url());
  });
  page.on('pageerror', (error) => pageErrors.push(error.message));
  page.on('request', (request) => {
    if (request.url().endsWith('/_inspect/traffic')) inspectRequests++;
  });
});

afterAll(async () => {
  await browser?.close();
  await federation?.stop();
});

describe('the GUI on the global control plane', () => {
  it('shows both zones Online on the overview, with meshes and their mTLS state', async () => {
    await page.goto(`${federation.global.base}/gui/`);
    for (const zone of ['zone-1', 'zone-2']) {
      await page.locator(`tr[data-zone="${zone}"] .pill`, { hasText: 'Online' }).waitFor({ timeout: 20_000 });
    }
    await page.locator('[data-mesh="default"] .pill', { hasText: 'mTLS on' }).waitFor();
    await page.locator('[data-mesh="empty"] .pill', { hasText: 'mTLS off' }).waitFor();
    const zonesTile = (await page.locator('[data-testid="totals"] .tile').first().innerText()).replace(
      /\s+/g,
      ' ',
    );
    expect(zonesTile).toBe('ZONES ONLINE 2 / 2 all reporting');
    await shot('gui-overview');
  });

  it('lists a service present in two zones with instances and healthy instances per zone', async () => {
    await page.goto(`${federation.global.base}/gui/#/meshes/default/services`);
    const row = page.locator('tr[data-service="backend"]');
    await row.waitFor();
    expect(await row.locator('.zone-chip[data-zone="zone-1"] .zone-chip-count').innerText()).toBe('1/1');
    expect(await row.locator('.zone-chip[data-zone="zone-2"] .zone-chip-count').innerText()).toBe('1/2');
    expect(await row.locator('[data-testid="instances"]').innerText()).toBe('3');
    expect((await row.locator('[data-testid="healthy"]').innerText()).replace(/\s+/g, ' ')).toBe('2 / 3');
    expect(await page.locator('tr[data-service="frontend"] [data-testid="instances"]').innerText()).toBe('1');
    await shot('gui-services');
  });

  it('answers who may talk to whom as zmctl inspect traffic does, and keeps the question across a reload', async () => {
    for (const [source, expected] of [
      ['kuma.io/service=frontend', 'ALLOW'],
      ['kuma.io/service=web', 'DENY'],
    ] as const) {
      const cli = await zmctl([
        'inspect',
        'traffic',
        '--cp',
        federation.global.base,
        '--mesh',
        'default',
        '--source',
        source,
        '--destination',
        'kuma.io/service=backend',
        '-o',
        'json',
      ]);
      expect(cli.code).toBe(0);
      const answer = JSON.parse(cli.stdout) as {
        decision: string;
        policy: { type: string; name: string } | null;
        reason: string;
      };
      expect(answer.decision).toBe(expected);
      await openTrafficForm();
      await page.locator('input[name="source"]').fill(source);
      await page.locator('input[name="destination"]').fill('kuma.io/service=backend');
      await page.getByRole('button', { name: 'Check' }).click();
      const verdict = page.locator(`[data-testid="verdict"][data-decision="${expected}"]`);
      await verdict.waitFor();
      expect(await verdict.locator('[data-testid="verdict-reason"]').innerText()).toBe(answer.reason);
      expect(await verdict.innerText()).toContain(`${answer.policy?.type} ${answer.policy?.name}`);
      await shot(`gui-traffic-${expected.toLowerCase()}`);
    }
    await page.reload();
    await page.locator('[data-testid="verdict"][data-decision="DENY"]').waitFor();
    expect(await page.locator('input[name="source"]').inputValue()).toBe('kuma.io/service=web');
  });

  it('refuses malformed tags in the form without asking the control plane', async () => {
    await openTrafficForm();
    await page.locator('input[name="source"]').fill('frontend');
    await page.locator('input[name="destination"]').fill('kuma.io/service=backend');
    const asked = inspectRequests;
    await page.getByRole('button', { name: 'Check' }).click();
    await page.getByText('"frontend" is not name=value').waitFor();
    expect(await page.locator('input[name="source"]').getAttribute('class')).toContain('input-bad');
    expect(inspectRequests).toBe(asked);
  });

  it("shows the policies that apply to each of a dataplane's inbounds and outbounds, as zmctl does", async () => {
    const cli = await zmctl([
      'inspect',
      'dataplane',
      'zone-1.frontend-1',
      '--cp',
      federation.global.base,
      '-o',
      'json',
    ]);
    expect(cli.code).toBe(0);
    const answer = JSON.parse(cli.stdout) as { items: { name: string; reasons: Record<string, string> }[] };
    await page.goto(`${federation.global.base}/gui/#/meshes/default/dataplanes`);
    await page.locator('tr[data-dataplane="zone-2.backend-3"]').waitFor();
    await shot('gui-dataplanes');
    await page.locator('tr[data-dataplane="zone-1.backend-1"] a').click();
    const inbound = page.locator('[data-attachment="127.0.0.1:8081:9081"] tr[data-kind="TrafficPermission"]');
    await inbound.waitFor();
    expect(await inbound.locator('.policy-name').innerText()).toBe('frontend-to-backend');
    await page.goto(`${federation.global.base}/gui/#/meshes/default/dataplanes/zone-1.frontend-1`);
    const outbound = page.locator('[data-attachment="127.0.0.1:10001"]');
    await outbound.waitFor();
    const outboundReasons = answer.items.find((item) => item.name === '127.0.0.1:10001')?.reasons ?? {};
    expect(await outbound.locator('tr[data-kind="TrafficRoute"] .reason').innerText()).toBe(
      outboundReasons.TrafficRoute,
    );
    await shot('gui-dataplane');
  });

  it('shows a policy as Kuma YAML', async () => {
    await page.goto(`${federation.global.base}/gui/#/meshes/default/policies?kind=traffic-permissions`);
    await page.locator('tr[data-policy="frontend-to-backend"] a').click();
    const yaml = page.locator('[data-testid="yaml"]');
    await yaml.waitFor();
    const text = await yaml.innerText();
    expect(text).toContain('type: TrafficPermission');
    expect(text).toContain('name: frontend-to-backend');
    expect(text).toContain('kuma.io/service: backend');
    await shot('gui-policy-yaml');
  });

  it('shows a clear empty state for a mesh without services', async () => {
    await page.goto(`${federation.global.base}/gui/#/meshes/empty/services`);
    const empty = page.locator('.empty', { hasText: 'No services in mesh empty yet' });
    await empty.waitFor();
    expect(await empty.innerText()).toContain('kuma.io/service');
    await shot('gui-empty-mesh');
  });

  it('shows a stopped zone Offline without a reload', async () => {
    await page.goto(`${federation.global.base}/gui/`);
    await page.locator('tr[data-zone="zone-2"] .pill', { hasText: 'Online' }).waitFor({ timeout: 20_000 });
    await federation.zone('zone-2').process.stop('SIGTERM');
    await page.locator('tr[data-zone="zone-2"] .pill', { hasText: 'Offline' }).waitFor({ timeout: 30_000 });
    expect(await page.locator('tr[data-zone="zone-1"] .pill').innerText()).toBe('Online');
    await shot('gui-zone-offline');
  });

  it('says so when the control plane stops answering, keeping what it last showed', async () => {
    await federation.global.process.stop('SIGTERM');
    await page.locator('[data-testid="unreachable-banner"]').waitFor({ timeout: 20_000 });
    expect(await page.locator('[data-testid="unreachable-banner"]').innerText()).toContain(
      'Cannot reach the control plane',
    );
    expect(await page.locator('tr[data-zone="zone-1"]').count()).toBe(1);
    await shot('gui-unreachable');
  });

  it('made no request to any other host and raised no script error', () => {
    expect(foreignRequests).toEqual([]);
    expect(pageErrors).toEqual([]);
  });
});
