/**
 * The Grafana dashboards in deploy/grafana/ query only metrics that exist: every name in their
 * PromQL (panels and variables) is in the catalogue (docs/metrics.md) or served by a live
 * control plane, and the control plane names they use are really served by one. Also checks the
 * dashboards are well-formed Grafana JSON, and that the check itself catches an unknown name.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, getJson, type RunningFederation, startFederation } from './gui-federation.ts';
import {
  dashboardExpressions,
  familyNames,
  familyOf,
  metricNamesIn,
  readCatalogue,
} from './metrics-catalogue.ts';

const grafanaDir = fileURLToPath(new URL('../deploy/grafana/', import.meta.url));
const dashboards = readdirSync(grafanaDir)
  .filter((file) => file.endsWith('.json'))
  .map((file) => ({
    file,
    json: JSON.parse(readFileSync(`${grafanaDir}${file}`, 'utf8')) as Record<string, any>,
  }));
const catalogue = readCatalogue();
const histograms = new Set(
  catalogue.filter((entry) => entry.type === 'histogram').map((entry) => entry.name),
);
let federation: RunningFederation;
/** Families served by a live global and zone control plane. */
const live = new Set<string>();

/** Names a dashboard queries that neither the catalogue nor a live control plane knows. */
function unknownNames(dashboard: unknown, known: ReadonlySet<string>): string[] {
  const unknown: string[] = [];
  for (const { where, expr } of dashboardExpressions(dashboard)) {
    for (const name of metricNamesIn(expr)) {
      if (!known.has(familyOf(name, histograms)) && !known.has(name)) unknown.push(`${where}: ${name}`);
    }
  }
  return unknown;
}

beforeAll(async () => {
  federation = await startFederation({ zones: ['zone-1'], zoneOfflineTimeout: '8s' });
  await eventually(
    () => getJson(`${federation.global.base}/zones/_overview`),
    (r) => r.body.items.some((zone: { online: boolean }) => zone.online),
    'zone-1 online',
  );
  for (const cp of [federation.global, federation.zone('zone-1')]) {
    for (const name of familyNames(await (await fetch(`${cp.base}/metrics`)).text())) live.add(name);
  }
});

afterAll(async () => {
  await federation?.stop();
});

describe('the PromQL name check', () => {
  it('finds metric names and ignores functions, labels, strings, ranges and variables', () => {
    const names = metricNamesIn(
      'histogram_quantile(0.99, sum by (le, route) (rate(zonemesh_api_request_duration_seconds_bucket{route=~"$route"}[$__rate_interval]))) / on (instance) group_left(zone) zonemesh_cp_info{mode="zone"} or vector(0)',
    );
    expect([...names].sort()).toEqual(['zonemesh_api_request_duration_seconds_bucket', 'zonemesh_cp_info']);
  });

  it('reports a dashboard that queries a metric nobody exposes', () => {
    const board = { panels: [{ title: 'Bad', targets: [{ expr: 'sum(rate(zonemesh_nope_total[5m]))' }] }] };
    expect(unknownNames(board, new Set(catalogue.map((entry) => entry.name)))).toEqual([
      'panel "Bad": zonemesh_nope_total',
    ]);
  });
});

describe('deploy/grafana dashboards', () => {
  it('are the federation overview, zone and data path dashboards', () => {
    expect(dashboards.map((board) => board.file).sort()).toEqual([
      'data-path.json',
      'federation-overview.json',
      'zone.json',
    ]);
  });

  for (const { file, json } of dashboards) {
    it(`${file} queries only metrics in the catalogue or served by a live control plane`, () => {
      const known = new Set([...catalogue.map((entry) => entry.name), ...live]);
      expect(unknownNames(json, known)).toEqual([]);
    });

    it(`${file}: the control plane metrics it queries are really served`, () => {
      const cpPrefixes = ['zonemesh_api_', 'zonemesh_cp_', 'zonemesh_sync_', 'process_', 'nodejs_'];
      const planned = new Set(catalogue.filter((entry) => !entry.status.exposed).map((entry) => entry.name));
      const missing = new Set<string>();
      for (const { expr } of dashboardExpressions(json)) {
        for (const name of metricNamesIn(expr)) {
          const family = familyOf(name, histograms);
          if (
            cpPrefixes.some((prefix) => family.startsWith(prefix)) &&
            !planned.has(family) &&
            !live.has(family)
          )
            missing.add(family);
        }
      }
      expect([...missing]).toEqual([]);
    });

    it(`${file} is well-formed Grafana JSON`, () => {
      expect(json.uid).toMatch(/^zonemesh-/);
      expect(json.title).toMatch(/^zonemesh \/ /);
      expect(json.templating.list[0]).toMatchObject({
        name: 'datasource',
        type: 'datasource',
        query: 'prometheus',
      });
      const panels = (json.panels as any[]).flatMap((panel) => [panel, ...(panel.panels ?? [])]);
      const ids = panels.map((panel) => panel.id);
      expect(new Set(ids).size).toBe(ids.length);
      for (const panel of panels) {
        expect(panel.gridPos.x + panel.gridPos.w).toBeLessThanOrEqual(24);
      }
      const datasources = panels.filter((panel) => panel.type !== 'row').map((panel) => panel.datasource);
      expect(
        datasources.every((source) => source.type === 'prometheus' && source.uid === '${datasource}'),
      ).toBe(true);
      expect(dashboardExpressions(json).length).toBeGreaterThan(10);
    });
  }
});
