import { describe, expect, it } from 'vitest';
import {
  canonicalJson,
  decodeGlobalHeartbeat,
  decodeResourceMessage,
  decodeZoneHeartbeat,
  encodeHeartbeat,
  encodeResourceMessage,
  isCompatibleVersion,
  maxMessageBytes,
  wireVersion,
} from './wire-format.js';

const bytes = (value: unknown): Uint8Array =>
  new TextEncoder().encode(typeof value === 'string' ? value : JSON.stringify(value));

const message = {
  v: '1.0',
  type: 'TrafficPermission',
  name: 'allow-all',
  mesh: 'default',
  labels: { team: 'a' },
  creationTime: '2024-01-01T00:00:00.000Z',
  spec: { sources: [{ match: { 'kuma.io/service': '*' } }] },
};

describe('wire format', () => {
  it('encodes canonically: equal content gives equal bytes whatever the key order', () => {
    expect(canonicalJson({ b: 1, a: { d: 2, c: [{ f: 1, e: 2 }] } })).toBe(
      '{"a":{"c":[{"e":2,"f":1}],"d":2},"b":1}',
    );
    const resource = {
      type: 'Mesh' as const,
      meta: { name: 'm', labels: { y: '1', x: '2' }, creationTime: 't', modificationTime: 'u', version: '3' },
      spec: { b: 1, a: 2 },
    };
    const encoded = encodeResourceMessage(resource, resource.meta.labels);
    expect(encoded).toBe(
      `{"creationTime":"t","labels":{"x":"2","y":"1"},"name":"m","spec":{"a":2,"b":1},"type":"Mesh","v":"${wireVersion}"}`,
    );
    // Neither the store version nor the modification time travel: rewriting unchanged content sends nothing.
    expect(encoded).not.toContain('"u"');
  });

  it('decodes a valid message', () => {
    expect(decodeResourceMessage(bytes(message), 'zone')).toEqual({
      ok: true,
      value: message,
      version: '1.0',
    });
  });

  it('reads a newer minor version and ignores the fields it does not know', () => {
    const decoded = decodeResourceMessage(bytes({ ...message, v: '1.7', futureField: { x: 1 } }), 'zone');
    expect(decoded).toMatchObject({ ok: true, version: '1.7' });
    expect(decoded.ok && 'futureField' in decoded.value).toBe(false);
  });

  it('refuses another major version, naming both versions', () => {
    const decoded = decodeResourceMessage(bytes({ ...message, v: '2.0', type: 'SomethingNew' }), 'zone');
    expect(decoded).toMatchObject({ ok: false, reason: 'incompatible', version: '2.0' });
    expect(!decoded.ok && decoded.detail).toBe('incompatible wire format 2.0 (zone speaks 1.x)');
    expect(isCompatibleVersion('1.0')).toBe(true);
    expect(isCompatibleVersion('0.9')).toBe(false);
  });

  it.each([
    ['not JSON', '{"v":'],
    ['no version', { ...message, v: undefined }],
    ['a bad version', { ...message, v: 'one' }],
    ['an unknown kind', { ...message, type: 'Bogus' }],
    ['an empty name', { ...message, name: '' }],
    ['a non-object spec', { ...message, spec: [1, 2] }],
    ['non-string labels', { ...message, labels: { a: 1 } }],
  ])('refuses %s as malformed', (_what, value) => {
    expect(decodeResourceMessage(bytes(value), 'zone')).toMatchObject({ ok: false, reason: 'malformed' });
  });

  it('refuses an oversized message before parsing it', () => {
    const huge = bytes({ ...message, spec: { blob: 'x'.repeat(maxMessageBytes) } });
    expect(decodeResourceMessage(huge, 'zone')).toMatchObject({ ok: false, reason: 'oversized' });
  });

  it('refuses bytes that are not UTF-8', () => {
    expect(decodeResourceMessage(Uint8Array.from([0xff, 0xfe, 0x7b]), 'zone')).toMatchObject({
      ok: false,
      reason: 'malformed',
    });
  });

  it('round-trips heartbeats', () => {
    const zone = encodeHeartbeat({
      zone: 'zone-1',
      sentAt: '2024-01-01T00:00:00Z',
      appliedRevision: 3,
      resources: { Dataplane: 2 },
    });
    expect(decodeZoneHeartbeat(bytes(zone))).toMatchObject({
      ok: true,
      value: { zone: 'zone-1', appliedRevision: 3 },
    });
    const global = encodeHeartbeat({ sentAt: '2024-01-01T00:00:00Z', revision: 9 });
    expect(decodeGlobalHeartbeat(bytes(global))).toMatchObject({ ok: true, value: { revision: 9 } });
    expect(decodeZoneHeartbeat(bytes({ ...JSON.parse(zone), appliedRevision: -1 }))).toMatchObject({
      ok: false,
    });
  });

  it('reads zone heartbeats with and without 1.1 held counts', () => {
    const current = encodeHeartbeat({
      zone: 'zone-1',
      sentAt: '2024-01-01T00:00:00Z',
      appliedRevision: 3,
      resources: { Dataplane: 2 },
      held: { Dataplane: 2, Mesh: 1 },
    });
    expect(JSON.parse(current)).toMatchObject({ v: wireVersion, held: { Dataplane: 2, Mesh: 1 } });
    expect(decodeZoneHeartbeat(bytes(current))).toMatchObject({ ok: true, value: { held: { Mesh: 1 } } });
    const older = {
      v: '1.0',
      zone: 'zone-1',
      sentAt: '2024-01-01T00:00:00Z',
      appliedRevision: 3,
      resources: {},
    };
    const decoded = decodeZoneHeartbeat(bytes(older));
    expect(decoded).toMatchObject({ ok: true, version: '1.0' });
    expect(decoded.ok && decoded.value.held).toBeUndefined();
    expect(decodeZoneHeartbeat(bytes({ ...older, held: { Mesh: -1 } }))).toMatchObject({ ok: false });
  });
});
