/**
 * Test resources in the corpus's form: Kuma Universal YAML read through `@zonemesh/api`'s decoder,
 * stamped with the metadata a store adds.
 */
import { readFileSync } from 'node:fs';
import { decodeDocuments, type NewResource, type Resource } from '@zonemesh/api';

const corpusDir = new URL('../../../../../shared/conformance/kuma/', import.meta.url);

let clock = Date.parse('2024-01-01T00:00:00Z');

/** Stamps a new resource as a store would: times (each later than the last), version, labels. */
export function stored(resource: NewResource): Resource {
  clock += 1_000;
  const time = new Date(clock).toISOString();
  return {
    type: resource.type,
    meta: {
      name: resource.meta.name,
      ...(resource.meta.mesh === undefined ? {} : { mesh: resource.meta.mesh }),
      labels: { ...resource.meta.labels },
      creationTime: resource.meta.creationTime ?? time,
      modificationTime: time,
      version: String(clock),
    },
    spec: resource.spec,
  };
}

/** Every valid document of a YAML text, as stored resources; throws on an invalid one. */
export function yamlResources(text: string): Resource[] {
  return decodeDocuments(text).map((doc) => {
    if (doc.resource === undefined) throw new Error(`invalid test document: ${JSON.stringify(doc.errors)}`);
    return stored(doc.resource);
  });
}

/** The resources of one corpus file (`shared/conformance/kuma/<file>`). */
export function corpus(file: string): Resource[] {
  return yamlResources(readFileSync(new URL(file, corpusDir), 'utf8'));
}

/** A Dataplane with one inbound per entry; `healthy: false` sets `health.ready: false`. */
export function dataplane(
  name: string,
  options: {
    readonly mesh?: string;
    readonly address: string;
    readonly inbounds?: readonly {
      readonly port: number;
      readonly tags: Readonly<Record<string, string>>;
      readonly healthy?: boolean;
    }[];
    readonly outbounds?: readonly { readonly port: number; readonly service: string }[];
    readonly labels?: Readonly<Record<string, string>>;
  },
): Resource {
  return stored({
    type: 'Dataplane',
    meta: {
      name,
      mesh: options.mesh ?? 'default',
      ...(options.labels === undefined ? {} : { labels: options.labels }),
    },
    spec: {
      networking: {
        address: options.address,
        inbound: (options.inbounds ?? []).map((inbound) => ({
          port: inbound.port,
          servicePort: inbound.port + 1000,
          tags: { ...inbound.tags },
          ...(inbound.healthy === undefined ? {} : { health: { ready: inbound.healthy } }),
        })),
        outbound: (options.outbounds ?? []).map((outbound) => ({
          port: outbound.port,
          tags: { 'kuma.io/service': outbound.service },
        })),
      },
    },
  });
}

/** A ZoneIngress copied from another zone (as sync writes it), advertising services. */
export function remoteIngress(
  zone: string,
  name: string,
  advertised: { readonly address: string; readonly port: number },
  services: readonly {
    readonly mesh: string;
    readonly tags: Readonly<Record<string, string>>;
    readonly instances: number;
  }[],
): Resource {
  return stored({
    type: 'ZoneIngress',
    meta: { name: `${zone}.${name}`, labels: { 'kuma.io/zone': zone, 'kuma.io/origin': 'zone' } },
    spec: {
      zone,
      networking: {
        address: '10.9.9.9',
        port: 10001,
        advertisedAddress: advertised.address,
        advertisedPort: advertised.port,
      },
      availableServices: services.map((service) => ({ ...service, tags: { ...service.tags } })),
    },
  });
}

/** The zone's own ZoneIngress. */
export function localIngress(name: string): Resource {
  return stored({
    type: 'ZoneIngress',
    meta: { name },
    spec: {
      networking: {
        address: '192.168.0.1',
        port: 10001,
        advertisedAddress: '10.0.0.1',
        advertisedPort: 10001,
      },
    },
  });
}
