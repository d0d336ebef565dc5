/**
 * What a targetRef refers to: which inbounds a top-level targetRef selects, which clients a
 * `from[]` item covers and which destinations a `to[]` item covers.
 */
import type { CompiledTargetRef } from './compiled-policy.js';
import {
  type ClientIdentity,
  type Selector,
  selectorMatches,
  subsetMatchesClient,
  type Tags,
} from './selector.js';

/** The tag every inbound carries: the service it belongs to. */
export const serviceTag = 'kuma.io/service';

/** The proxy type of a dataplane's inbounds, for `proxyTypes` filters. */
const sidecarProxyType = 'Sidecar';

/**
 * Whether a top-level targetRef selects one inbound of a sidecar (Kuma `DppSelectedByPolicy`):
 * Mesh selects all, MeshSubset by tags, MeshService by `kuma.io/service`, MeshServiceSubset by
 * both. MeshGateway and Dataplane refer to gateways and to dataplanes by name or label, which a
 * tag query does not carry, so they select no inbound here.
 */
export function selectsInbound(ref: CompiledTargetRef, inbound: Tags): boolean {
  if (ref.proxyTypes !== undefined && !ref.proxyTypes.includes(sidecarProxyType)) return false;
  switch (ref.kind) {
    case 'Mesh':
      return true;
    case 'MeshSubset':
      return selectorMatches(ref.tags, inbound);
    case 'MeshService':
      return inbound[serviceTag] === ref.name;
    case 'MeshServiceSubset':
      return inbound[serviceTag] === ref.name && selectorMatches(ref.tags, inbound);
    default:
      return false;
  }
}

/**
 * Whether a `from[]` item covers a client (its identity is the union of its inbounds' tags):
 * Mesh covers everyone, MeshService by `kuma.io/service`, the subsets need every tag.
 */
export function coversClient(ref: CompiledTargetRef, client: ClientIdentity): boolean {
  switch (ref.kind) {
    case 'Mesh':
      return true;
    case 'MeshService':
      return ref.name !== undefined && client.values.get(serviceTag)?.has(ref.name) === true;
    case 'MeshSubset':
      return subsetMatchesClient(ref.tags, client);
    case 'MeshServiceSubset':
      return (
        ref.name !== undefined &&
        client.values.get(serviceTag)?.has(ref.name) === true &&
        subsetMatchesClient(ref.tags, client)
      );
    default:
      return false;
  }
}

/** Whether a `to[]` item covers a destination (its tags; `kuma.io/service` at least). */
export function coversDestination(ref: CompiledTargetRef, destination: Tags): boolean {
  switch (ref.kind) {
    case 'Mesh':
      return true;
    case 'MeshService':
      return destination[serviceTag] === ref.name;
    case 'MeshSubset':
      return selectorMatches(ref.tags, destination);
    case 'MeshServiceSubset':
      return destination[serviceTag] === ref.name && selectorMatches(ref.tags, destination);
    default:
      return false;
  }
}

/** A short human form: `Mesh`, `MeshService web`, `MeshSubset {env=dev}`. */
export function describeTargetRef(ref: CompiledTargetRef): string {
  const parts: string[] = [ref.kind];
  if (ref.name !== undefined) parts.push(ref.name);
  if (Object.keys(ref.tags).length > 0) parts.push(describeSelector(ref.tags));
  return parts.join(' ');
}

/** `{kuma.io/service=web, version=*}` */
export function describeSelector(selector: Selector): string {
  return `{${Object.entries(selector)
    .map(([key, value]) => `${key}=${value}`)
    .join(', ')}}`;
}
