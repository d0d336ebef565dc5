import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { compileTargetRefPolicy } from './compiled-policy.js';
import { corpusDir, corpusPresent } from './corpus.test-suite.js';
import { selectsInbound } from './target-ref.js';
import { mergeToRules } from './to-rules.js';

describe.skipIf(!corpusPresent)(
  'to rules on the Kuma corpus (skipped when ../shared/conformance/kuma is absent)',
  () => {
    it('050: MeshTimeout aaa, then bbb (zone origin beats global), then ccc (MeshServiceSubset) merge in that order', () => {
      // MeshTimeout is not a zonemesh kind (the api decoder refuses it): read its YAML as is.
      const text = readFileSync(`${corpusDir}050-meshtimeout-torules-04-merge-order.yaml`, 'utf8');
      const inbound = { 'kuma.io/service': 'web', version: 'v1', team: 'mesh' };
      const selected = parseAllDocuments(text)
        .map((document) => document.toJS() as Record<string, unknown>)
        .filter((fields) => fields['type'] === 'MeshTimeout')
        .map((fields) =>
          compileTargetRefPolicy({
            type: 'MeshTimeout',
            meta: {
              name: String(fields['name']),
              labels: (fields['labels'] ?? {}) as Record<string, string>,
            },
            spec: fields['spec'],
          }),
        )
        .filter((policy) => selectsInbound(policy.targetRef, inbound));
      const result = mergeToRules(selected, { 'kuma.io/service': 'backend' });
      expect(result.contributors.map((policy) => policy.ref.name)).toEqual(['aaa', 'bbb', 'ccc']);
      expect(result.conf).toEqual({ http: { requestTimeout: '3s', streamIdleTimeout: '5s' } });
    });
  },
);

describe('to rules', () => {
  const policy = (name: string, kind: string, to: unknown[]) =>
    compileTargetRefPolicy({ type: 'MeshHealthCheck', meta: { name }, spec: { targetRef: { kind }, to } });

  it('ignores items for other destinations and orders by name with the first name last', () => {
    const a = policy('a', 'Mesh', [{ targetRef: { kind: 'Mesh' }, default: { interval: '1s', tcp: {} } }]);
    const b = policy('b', 'Mesh', [
      { targetRef: { kind: 'Mesh' }, default: { interval: '2s', timeout: '1s' } },
      { targetRef: { kind: 'MeshService', name: 'other' }, default: { interval: '9s' } },
    ]);
    const result = mergeToRules([a, b], { 'kuma.io/service': 'backend' });
    expect(result.contributors.map((p) => p.ref.name)).toEqual(['b', 'a']);
    expect(result.conf).toEqual({ interval: '1s', timeout: '1s', tcp: {} });
  });

  it('gives null when no item covers the destination', () => {
    const only = policy('a', 'Mesh', [
      { targetRef: { kind: 'MeshService', name: 'x' }, default: { tcp: {} } },
    ]);
    expect(mergeToRules([only], { 'kuma.io/service': 'backend' })).toEqual({ contributors: [], conf: null });
  });
});
