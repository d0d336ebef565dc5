import { describe, expect, it } from 'vitest';
import { decodeDocuments } from './document-reader.js';
import { maxDocumentBytes } from './resource-decoder.js';

const tp = (name: string) => `type: TrafficPermission
name: ${name}
mesh: default
sources:
  - match:
      kuma.io/service: web
destinations:
  - match:
      kuma.io/service: backend
`;

describe('decodeDocuments', () => {
  it('numbers the documents of a multi-document file and skips empty ones', () => {
    const docs = decodeDocuments(
      `# leading comment\n---\n${tp('a')}---\n# only a comment\n---\n${tp('b')}...\n`,
    );
    expect(docs.map((doc) => [doc.index, doc.type, doc.name, doc.errors])).toEqual([
      [0, 'TrafficPermission', 'a', []],
      [1, 'TrafficPermission', 'b', []],
    ]);
    expect(docs[1]?.resource?.meta).toEqual({ name: 'b', mesh: 'default' });
  });

  it('names line and column of a YAML syntax error, counting lines across documents', () => {
    const text = `${tp('a')}---\ntype: Mesh\nname: [unclosed\n`;
    const docs = decodeDocuments(text);
    expect(docs).toHaveLength(2);
    expect(docs[0]?.errors).toEqual([]);
    expect(docs[1]?.code).toBe('InvalidInput');
    expect(docs[1]?.errors[0]?.field).toBe('');
    expect(docs[1]?.errors[0]?.message).toMatch(/^YAML syntax error at line 1[23], column \d+: /);
  });

  it('reports a bad indentation with its position', () => {
    const docs = decodeDocuments('type: Mesh\nname: default\n  mtls: {}\n');
    expect(docs[0]?.errors[0]?.message).toMatch(/^YAML syntax error at line 2, column 7: Nested mappings/);
  });

  it('refuses a duplicate key as a syntax error', () => {
    const docs = decodeDocuments('type: Mesh\nname: a\nname: b\n');
    expect(docs[0]?.errors[0]?.message).toMatch(/YAML syntax error at line 3, column 1: .*unique/i);
  });

  it('refuses a document over 512 KiB without touching its neighbours', () => {
    const big = `type: Mesh\nname: big\n# ${'x'.repeat(maxDocumentBytes)}\n`;
    const docs = decodeDocuments(`${tp('a')}---\n${big}---\n${tp('c')}`);
    expect(docs.map((doc) => doc.code)).toEqual([undefined, 'TooLarge', undefined]);
    expect(docs[1]?.errors).toEqual([
      { field: '', message: 'document is 513 KiB, over the limit of 512 KiB' },
    ]);
  });

  it('accepts a document of exactly 512 KiB', () => {
    const head = 'type: Mesh\nname: edge\n# ';
    const text = `${head}${'x'.repeat(maxDocumentBytes - head.length - 1)}\n`;
    expect(Buffer.byteLength(text)).toBe(maxDocumentBytes);
    expect(decodeDocuments(text)[0]?.errors).toEqual([]);
  });

  it('reads JSON, one object or a list of them', () => {
    const one = decodeDocuments('{"type": "Zone", "name": "zone-1", "enabled": false}');
    expect(one[0]?.resource).toEqual({ type: 'Zone', meta: { name: 'zone-1' }, spec: { enabled: false } });
    const list = decodeDocuments('[{"type": "Zone", "name": "a"}, {"type": "Zone", "name": "b"}]');
    expect(list.map((doc) => [doc.index, doc.name, doc.errors.length])).toEqual([
      [0, 'a', 0],
      [1, 'b', 0],
    ]);
  });

  it('reads the Kubernetes form next to the Universal form', () => {
    const docs = decodeDocuments(`apiVersion: kuma.io/v1alpha1
kind: MeshTrafficPermission
metadata:
  name: allow-web
  labels:
    kuma.io/mesh: demo
spec:
  targetRef: {kind: Mesh}
  from:
    - targetRef: {kind: MeshService, name: web}
      default: {action: Allow}
`);
    expect(docs[0]?.errors).toEqual([]);
    expect(docs[0]?.type).toBe('MeshTrafficPermission');
    expect(docs[0]?.resource?.meta).toEqual({
      name: 'allow-web',
      mesh: 'demo',
      labels: { 'kuma.io/mesh': 'demo' },
    });
  });

  it('refuses an unsupported kind with the list of supported ones', () => {
    const docs = decodeDocuments('type: CircuitBreaker\nname: cb\nmesh: default\n');
    expect(docs[0]?.code).toBe('UnsupportedKind');
    expect(docs[0]?.errors).toEqual([
      {
        field: 'type',
        message:
          'kind "CircuitBreaker" is not supported; supported kinds: Mesh, Dataplane, ZoneIngress, Zone, TrafficPermission, HealthCheck, TrafficRoute, MeshTrafficPermission, MeshHealthCheck',
      },
    ]);
  });

  it('never throws on garbage', () => {
    for (const text of [
      '42',
      '"text"',
      '- 1\n- 2',
      ':\n:\n',
      '\u0000\u0001',
      '{"a": ',
      'a: *unknown',
      '[[[[',
    ]) {
      const docs = decodeDocuments(text);
      expect(docs.every((doc) => doc.errors.length > 0 && doc.code !== undefined)).toBe(true);
    }
    expect(decodeDocuments('')).toEqual([]);
  });

  it('refuses alias bombs instead of expanding them', () => {
    const bomb = [
      'a: &a ["x","x","x","x","x","x","x","x","x","x"]',
      'b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a,*a]',
      'c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b,*b]',
      'd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c,*c]',
      'e: [*d,*d,*d,*d,*d,*d,*d,*d,*d,*d]',
    ].join('\n');
    const docs = decodeDocuments(bomb);
    expect(docs[0]?.code).toBe('InvalidInput');
  });
});
