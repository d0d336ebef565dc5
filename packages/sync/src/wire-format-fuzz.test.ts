/**
 * Property tests of every sync message decoder against what a peer on NATS can put in a bucket
 * or on a heartbeat subject: random bytes, random JSON, and valid messages with random edits
 * (bytes changed, a field replaced by anything, a foreign version). Decoders never throw; they
 * answer a value or one of the closed reasons with a detail; a message they accept passes the
 * kind's own validation before it could reach a store; key parsers never throw either.
 * Iterations: `ZONEMESH_FUZZ_RUNS` (default 500 per property).
 */
import { type Resource, validateResource } from '@zonemesh/api';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeToken, parseGlobalKey, parseZoneKey } from './kv-keys.js';
import {
  canonicalJson,
  type Decoded,
  decodeGlobalHeartbeat,
  decodeResourceMessage,
  decodeZoneHeartbeat,
  encodeHeartbeat,
  encodeResourceMessage,
  specProblems,
  toNewResource,
} from './wire-format.js';

const runs = Number(process.env.ZONEMESH_FUZZ_RUNS ?? 500);
const reasons = ['oversized', 'malformed', 'incompatible', 'mismatch'];
const encoder = new TextEncoder();

const samples: Resource[] = [
  {
    type: 'TrafficPermission',
    meta: {
      name: 'web-to-backend',
      mesh: 'default',
      labels: {},
      creationTime: '2026-11-25T00:00:00Z',
      modificationTime: '2026-11-25T00:00:00Z',
      version: '1',
    },
    spec: {
      sources: [{ match: { 'kuma.io/service': 'web' } }],
      destinations: [{ match: { 'kuma.io/service': 'backend' } }],
    },
  },
  {
    type: 'Dataplane',
    meta: {
      name: 'web-1',
      mesh: 'default',
      labels: { 'kuma.io/zone': 'zone-1' },
      creationTime: '2026-11-25T00:00:00Z',
      modificationTime: '2026-11-25T00:00:00Z',
      version: '1',
    },
    spec: {
      networking: {
        address: '10.0.0.1',
        inbound: [{ port: 8080, servicePort: 9090, tags: { 'kuma.io/service': 'web' } }],
      },
    },
  },
  {
    type: 'Mesh',
    meta: {
      name: 'default',
      labels: {},
      creationTime: '2026-11-25T00:00:00Z',
      modificationTime: '2026-11-25T00:00:00Z',
      version: '1',
    },
    spec: { mtls: { enabledBackend: 'ca-1', backends: [{ name: 'ca-1', type: 'builtin' }] } },
  },
];
const encodedSamples = [
  ...samples.map((resource) => encodeResourceMessage(resource, resource.meta.labels)),
  encodeHeartbeat({
    zone: 'zone-1',
    sentAt: '2026-11-25T00:00:00Z',
    appliedRevision: 3,
    resources: { Dataplane: 2 },
  }),
  encodeHeartbeat({ sentAt: '2026-11-25T00:00:00Z', revision: 9 }),
];

/** Fails the property (with a message fast-check reports beside its counterexample). */
function must(condition: boolean, what: string): void {
  if (!condition) throw new Error(what);
}

function checkDecoded(decoded: Decoded<unknown>): void {
  if (decoded.ok) return;
  must(reasons.includes(decoded.reason), `unknown reason ${decoded.reason}`);
  must(decoded.detail.length > 0, 'a refusal without detail');
}

/**
 * Runs every decoder on the bytes. A resource message that passes the decoder and the kind's spec
 * validation can still name a resource badly (its meta): the store refuses that write with
 * `InvalidInput`, which the appliers count and skip. So the spec must be fully valid here, and
 * only meta fields may be left for the store to refuse.
 */
function decodeAll(bytes: Uint8Array): void {
  for (const reader of ['global', 'zone'] as const) {
    const decoded = decodeResourceMessage(bytes, reader);
    checkDecoded(decoded);
    if (decoded.ok && specProblems(decoded.value) === undefined) {
      const resource = toNewResource(decoded.value, decoded.value.name, decoded.value.labels);
      const leftToTheStore = validateResource(resource).filter(
        (error) => !/^(name|mesh|labels|creationTime)\b/.test(error.field),
      );
      must(leftToTheStore.length === 0, `accepted an invalid spec: ${JSON.stringify(leftToTheStore)}`);
    }
  }
  checkDecoded(decodeZoneHeartbeat(bytes));
  checkDecoded(decodeGlobalHeartbeat(bytes));
}

describe('sync decoders under random and mutated input', () => {
  it('never throw on random bytes', () => {
    const property = fc.property(fc.uint8Array({ maxLength: 1_024 }), (bytes) => decodeAll(bytes));
    expect(() => fc.assert(property, { numRuns: runs })).not.toThrow();
  });

  it('never throw on random JSON, versioned or not', () => {
    const json = fc.oneof(
      fc.jsonValue({ maxDepth: 4 }),
      fc.record({
        v: fc.oneof(fc.constantFrom('1.0', '1.1', '1.9', '2.0', '0.1'), fc.string()),
        type: fc.string(),
        name: fc.string(),
        spec: fc.jsonValue({ maxDepth: 3 }),
      }),
    );
    const property = fc.property(json, (value) => decodeAll(encoder.encode(JSON.stringify(value) ?? 'null')));
    expect(() => fc.assert(property, { numRuns: runs })).not.toThrow();
  });

  it('never throw on valid messages with bytes changed or cut', () => {
    const property = fc.property(
      fc.constantFrom(...encodedSamples),
      fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 6 }),
      fc.nat(),
      (text, edits, cut) => {
        const bytes = encoder.encode(text);
        for (const [at, value] of edits) bytes[at % bytes.length] = value;
        decodeAll(bytes);
        decodeAll(bytes.subarray(0, cut % (bytes.length + 1)));
      },
    );
    expect(() => fc.assert(property, { numRuns: runs })).not.toThrow();
  });

  it('never throw on valid messages with one field replaced by anything', () => {
    const property = fc.property(
      fc.constantFrom(...encodedSamples),
      fc.constantFrom(
        'v',
        'type',
        'name',
        'mesh',
        'labels',
        'creationTime',
        'spec',
        'zone',
        'sentAt',
        'revision',
        'resources',
      ),
      fc.jsonValue({ maxDepth: 3 }),
      (text, field, value) => {
        const message = JSON.parse(text) as Record<string, unknown>;
        decodeAll(encoder.encode(canonicalJson({ ...message, [field]: value })));
      },
    );
    expect(() => fc.assert(property, { numRuns: runs })).not.toThrow();
  });

  it('refuse an oversized message before parsing it', () => {
    const decoded = decodeResourceMessage(new Uint8Array(641 * 1024).fill(0x20), 'zone');
    expect(decoded).toMatchObject({ ok: false, reason: 'oversized' });
  });

  it('key parsers never throw on random keys', () => {
    const keyish = fc.oneof(
      fc.string(),
      fc
        .array(
          fc.oneof(fc.constantFrom('Dataplane', 'Mesh', '_', 'zone-1', 'default', '=2E', '=ZZ'), fc.string()),
          { maxLength: 5 },
        )
        .map((parts) => parts.join('.')),
    );
    const property = fc.property(keyish, (key) => {
      for (const parsed of [parseGlobalKey(key), parseZoneKey(key)]) {
        must(parsed.ok || parsed.reason.length > 0, 'a refused key without a reason');
      }
      const token = decodeToken(key);
      must(token === undefined || typeof token === 'string', 'a decoded token that is not a string');
    });
    expect(() => fc.assert(property, { numRuns: runs })).not.toThrow();
  });
});
