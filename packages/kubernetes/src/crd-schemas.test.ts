import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { decodeDocuments, kindDescriptors, type ResourceType, toKubernetes } from '@zonemesh/api';
import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { crdFiles } from './crd-files.js';
import {
  customResourceDefinition,
  kubernetesPlural,
  openApiSchemaFor,
} from './custom-resource-definitions.js';

const crdFolders = [
  fileURLToPath(new URL('../../../deploy/crds/', import.meta.url)),
  fileURLToPath(new URL('../../../deploy/helm/zonemesh/crds/', import.meta.url)),
];
const corpusDir = fileURLToPath(new URL('../../../../shared/conformance/kuma/', import.meta.url));
const corpusPresent = existsSync(corpusDir);

const ajv = new Ajv({ strict: false, allErrors: true });
const validators = new Map(kindDescriptors.map((d) => [d.type, ajv.compile(openApiSchemaFor(d.type))]));

function validate(type: ResourceType, object: unknown): string[] {
  const check = validators.get(type);
  if (check === undefined) throw new Error(`no schema for ${type}`);
  return check(object) ? [] : (check.errors ?? []).map((error) => `${error.instancePath} ${error.message}`);
}

/** Every node of a structural schema has a type, unless it is explicitly left open. */
function structuralProblems(node: Record<string, unknown>, path: string): string[] {
  const open =
    node['x-kubernetes-preserve-unknown-fields'] === true || node['x-kubernetes-int-or-string'] === true;
  const problems: string[] = [];
  if (node.type === undefined && !open) problems.push(`${path}: no type`);
  for (const banned of ['anyOf', 'oneOf', 'allOf', '$ref', 'default', 'additionalProperties']) {
    if (banned === 'additionalProperties' && node.properties === undefined) continue;
    if (node[banned] !== undefined) problems.push(`${path}: ${banned}`);
  }
  for (const [key, child] of Object.entries(
    (node.properties ?? {}) as Record<string, Record<string, unknown>>,
  )) {
    problems.push(...structuralProblems(child, `${path}.${key}`));
  }
  if (typeof node.items === 'object')
    problems.push(...structuralProblems(node.items as Record<string, unknown>, `${path}[]`));
  if (typeof node.additionalProperties === 'object') {
    problems.push(...structuralProblems(node.additionalProperties as Record<string, unknown>, `${path}{}`));
  }
  return problems;
}

describe('generated CRDs', () => {
  it.each(crdFolders)(
    '%s is up to date (regenerate: pnpm --filter @zonemesh/kubernetes generate-crds)',
    (crdFolder) => {
      const expected = crdFiles();
      const onDisk = readdirSync(crdFolder)
        .filter((name) => name.endsWith('.yaml'))
        .sort();
      expect(onDisk).toEqual(expected.map((file) => file.name).sort());
      for (const file of expected) {
        expect({ file: file.name, text: readFileSync(join(crdFolder, file.name), 'utf8') }).toEqual({
          file: file.name,
          text: file.text,
        });
      }
    },
  );

  it('defines every kind, cluster-scoped, with a structural schema', () => {
    for (const descriptor of kindDescriptors) {
      const crd = customResourceDefinition(descriptor.type) as {
        metadata: { name: string };
        spec: {
          scope: string;
          names: { kind: string };
          versions: Array<{ schema: { openAPIV3Schema: Record<string, unknown> } }>;
        };
      };
      expect(crd.metadata.name).toBe(`${kubernetesPlural(descriptor.type)}.kuma.io`);
      expect(crd.spec.names.kind).toBe(descriptor.type);
      expect(crd.spec.scope).toBe('Cluster');
      expect(structuralProblems(crd.spec.versions[0]?.schema.openAPIV3Schema ?? {}, descriptor.type)).toEqual(
        [],
      );
    }
    expect(kubernetesPlural('Mesh')).toBe('meshes');
    expect(kubernetesPlural('ZoneIngress')).toBe('zoneingresses');
  });

  it('refuses what the schema can say is wrong: wrong types and unknown enum values', () => {
    expect(
      validate('TrafficPermission', {
        apiVersion: 'kuma.io/v1alpha1',
        kind: 'TrafficPermission',
        spec: { sources: 'web' },
      }),
    ).not.toEqual([]);
    expect(
      validate('Dataplane', {
        spec: {
          networking: {
            address: '1.1.1.1',
            inbound: [{ port: 'eighty', tags: { 'kuma.io/service': 'web' } }],
          },
        },
      }),
    ).not.toEqual([]);
    expect(
      validate('Dataplane', { spec: { networking: { inbound: [{ port: 70_000_000_000 }] } } }),
    ).not.toEqual([]);
    expect(validate('Dataplane', { spec: { networking: { inbound: [{ state: 'Sleepy' }] } } })).not.toEqual(
      [],
    );
    // Empty fields written as null, as Kuma files do, are fine.
    expect(
      validate('TrafficPermission', { spec: { sources: [{ match: null }], destinations: null } }),
    ).toEqual([]);
  });

  it.skipIf(!corpusPresent)(
    'accept every valid resource of the Kuma corpus (ajv, in Kubernetes form)',
    () => {
      const files = readdirSync(corpusDir).filter((name) => /\.ya?ml$/.test(name));
      let checked = 0;
      const failures: string[] = [];
      for (const file of files) {
        for (const document of decodeDocuments(readFileSync(join(corpusDir, file), 'utf8'))) {
          if (document.resource === undefined || document.errors.length > 0) continue;
          const object = toKubernetes(document.resource);
          const errors = validate(document.resource.type, object);
          if (errors.length > 0) failures.push(`${file}#${document.index}: ${errors.join('; ')}`);
          checked++;
        }
      }
      expect(failures).toEqual([]);
      expect(checked).toBeGreaterThan(50);
    },
  );
});
