/**
 * Property tests of the YAML/JSON codec against random and mutated input (what a user, a REST
 * client or a peer can send): `decodeDocuments` never throws and answers every document with
 * either a resource or field errors; `decodeResource` returns a resource or throws a `MeshError`
 * with a closed code and named causes; neither hangs on hostile YAML (alias bombs, deep nesting).
 * Iterations: `ZONEMESH_FUZZ_RUNS` (default 500 per property; CI keeps the default).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeDocuments } from './document-reader.js';
import { isMeshError } from './errors.js';
import { decodeResource } from './resource-decoder.js';

const runs = Number(process.env.ZONEMESH_FUZZ_RUNS ?? 500);

/** Each call must answer well within this, whatever the input. */
const slowMs = 1_000;

const samples = [
  'type: Mesh\nname: default\nmtls:\n  enabledBackend: ca-1\n  backends:\n    - name: ca-1\n      type: builtin\n',
  'type: TrafficPermission\nname: web-to-backend\nmesh: default\nsources:\n  - match:\n      kuma.io/service: web\ndestinations:\n  - match:\n      kuma.io/service: backend\n',
  'type: Dataplane\nmesh: default\nname: web-1\nnetworking:\n  address: 127.0.0.1\n  inbound:\n    - port: 8080\n      servicePort: 9090\n      tags:\n        kuma.io/service: web\n  outbound:\n    - port: 20001\n      tags:\n        kuma.io/service: backend\n',
  'apiVersion: kuma.io/v1alpha1\nkind: MeshTrafficPermission\nmetadata:\n  name: allow\n  labels:\n    kuma.io/mesh: default\nspec:\n  targetRef:\n    kind: Mesh\n  from:\n    - targetRef:\n        kind: Mesh\n      default:\n        action: Allow\n',
  '{"type":"HealthCheck","name":"hc","mesh":"default","sources":[{"match":{"kuma.io/service":"*"}}],"destinations":[{"match":{"kuma.io/service":"*"}}],"conf":{"interval":"10s","timeout":"2s","unhealthyThreshold":3,"healthyThreshold":1}}',
];

/** A sample with random edits: characters inserted, deleted or replaced at random places. */
const mutatedText = fc
  .tuple(
    fc.constantFrom(...samples),
    fc.array(
      fc.tuple(fc.nat(), fc.constantFrom('insert', 'delete', 'replace'), fc.string({ maxLength: 4 })),
      {
        maxLength: 8,
      },
    ),
  )
  .map(([text, edits]) => {
    let out = text;
    for (const [at, op, piece] of edits) {
      const i = out.length === 0 ? 0 : at % out.length;
      if (op === 'insert') out = out.slice(0, i) + piece + out.slice(i);
      else if (op === 'delete') out = out.slice(0, i) + out.slice(i + 1 + (piece.length % 3));
      else out = out.slice(0, i) + piece + out.slice(i + piece.length);
    }
    return out;
  });

const yamlish = fc.oneof(
  fc.string({ maxLength: 400 }),
  fc.string({ unit: fc.constantFrom(...'-:{}[]&*!|>\'"#%@` \n\tabc01'.split('')), maxLength: 300 }),
  mutatedText,
  fc.array(mutatedText, { maxLength: 4 }).map((docs) => docs.join('\n---\n')),
);

/** Fails the property (with a message fast-check reports beside its counterexample). */
function must(condition: boolean, what: string): void {
  if (!condition) throw new Error(what);
}

function timed<T>(run: () => T): T {
  const started = performance.now();
  const result = run();
  must(performance.now() - started < slowMs, `took over ${slowMs} ms`);
  return result;
}

function mustBeClearError(err: unknown): void {
  if (!isMeshError(err)) throw err;
  must(['InvalidInput', 'UnsupportedKind', 'TooLarge'].includes(err.code), `unexpected code ${err.code}`);
  must(err.message.length > 0, 'an error without a message');
  for (const cause of err.causes) {
    must(typeof cause.field === 'string' && cause.message.length > 0, 'a cause without field or message');
  }
}

describe('codec under random and mutated input', () => {
  it('decodeDocuments never throws and answers each document with a resource or errors', () => {
    const property = fc.property(yamlish, (text) => {
      const documents = timed(() => decodeDocuments(text));
      for (const document of documents) {
        must(document.resource !== undefined || document.errors.length > 0, 'neither a resource nor errors');
        must(
          document.resource !== undefined || document.code !== undefined,
          'an invalid document without a code',
        );
        must(
          document.errors.every((error) => error.message.length > 0),
          'an error without a message',
        );
      }
    });
    expect(() => fc.assert(property, { numRuns: runs })).not.toThrow();
  });

  it('decodeResource returns a resource or throws a MeshError with a closed code', () => {
    const decodedSamples = samples.flatMap((text) => decodeDocuments(text).map((doc) => doc.resource));
    expect(decodedSamples.every((resource) => resource !== undefined)).toBe(true);
    const objects = fc.oneof(
      fc.anything({ maxDepth: 4 }),
      fc.record({
        type: fc.oneof(
          fc.constantFrom('Mesh', 'Dataplane', 'TrafficPermission', 'ZoneIngress', 'Zone'),
          fc.string(),
        ),
        name: fc.oneof(fc.string(), fc.anything({ maxDepth: 1 })),
        mesh: fc.oneof(fc.string(), fc.anything({ maxDepth: 1 })),
        networking: fc.anything({ maxDepth: 3 }),
        sources: fc.anything({ maxDepth: 3 }),
        spec: fc.anything({ maxDepth: 3 }),
      }),
    );
    const property = fc.property(objects, (value) => {
      try {
        const resource = timed(() => decodeResource(value));
        must(
          typeof resource.type === 'string' && typeof resource.meta.name === 'string',
          'a resource without type or name',
        );
      } catch (err) {
        mustBeClearError(err);
      }
    });
    expect(() => fc.assert(property, { numRuns: runs })).not.toThrow();
  });

  it('decodeResource survives a valid object with one field replaced by anything', () => {
    const universal = samples
      .slice(0, 3)
      .map(
        (text) => JSON.parse(JSON.stringify(decodeDocuments(text)[0]?.resource)) as Record<string, unknown>,
      );
    const property = fc.property(
      fc.constantFrom(...universal),
      fc.constantFrom('type', 'name', 'mesh', 'meta', 'spec', 'networking', 'sources', 'mtls'),
      fc.anything({ maxDepth: 3 }),
      (resource, field, value) => {
        const flat = { type: resource.type, ...(resource.meta as object), ...(resource.spec as object) };
        try {
          timed(() => decodeResource({ ...flat, [field]: value }));
        } catch (err) {
          mustBeClearError(err);
        }
      },
    );
    expect(() => fc.assert(property, { numRuns: runs })).not.toThrow();
  });

  it('refuses hostile YAML quickly: alias bombs, deep nesting, huge documents', () => {
    const bomb = [
      'a: &a ["x","x","x","x","x","x","x","x","x"]',
      ...Array.from({ length: 9 }, (_, i) => {
        const prev = String.fromCharCode(97 + i);
        const next = String.fromCharCode(98 + i);
        return `${next}: &${next} [*${prev},*${prev},*${prev},*${prev},*${prev},*${prev},*${prev},*${prev},*${prev}]`;
      }),
      'type: Mesh',
      'name: bomb',
    ].join('\n');
    const deep = `type: Mesh\nname: deep\nmtls: ${'['.repeat(5_000)}${']'.repeat(5_000)}\n`;
    const huge = `type: Mesh\nname: huge\nx: "${'a'.repeat(600 * 1024)}"\n`;
    const answers = [bomb, deep, huge].map((text) => timed(() => decodeDocuments(text))[0]);
    expect(answers.map((document) => document?.resource)).toEqual([undefined, undefined, undefined]);
    expect(answers.map((document) => document?.errors[0]?.message)).toEqual([
      expect.stringMatching(/alias/i),
      expect.any(String),
      expect.stringMatching(/over the limit of 512 KiB/),
    ]);
  });
});
