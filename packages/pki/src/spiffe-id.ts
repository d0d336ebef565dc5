/**
 * The URI SANs that carry a workload's identity, in Kuma's format: `spiffe://<mesh>/<service>`
 * for each `kuma.io/service` and `kuma://<tag>/<value>` for every tag.
 */
import { invalid } from './x509-engine.js';

/** Kuma's service tag. */
export const serviceTag = 'kuma.io/service';

const meshNamePattern = /^[a-z0-9]([a-z0-9.\-_]{0,251}[a-z0-9])?$/;
const tagNamePattern = /^[a-zA-Z0-9.\-_:/]{1,253}$/;
const tagValuePattern = /^[a-zA-Z0-9.\-_:]{1,253}$/;

/** Throws `InvalidInput` naming `field` unless `name` is a valid mesh or zone name. */
export function checkName(field: string, name: string): void {
  if (!meshNamePattern.test(name)) {
    throw invalid(field, 'must be lowercase letters, digits, ".", "-" or "_", start and end alphanumeric');
  }
}

/** Throws `InvalidInput` unless the tag name and value may appear in a `kuma://` SAN. */
export function checkTag(field: string, name: string, value: string): void {
  if (!tagNamePattern.test(name))
    throw invalid(field, `tag name "${name}" has characters outside [a-zA-Z0-9.-_:/]`);
  if (!tagValuePattern.test(value)) {
    throw invalid(`${field}.${name}`, `tag value "${value}" must be non-empty and use only [a-zA-Z0-9.-_:]`);
  }
}

/** `spiffe://<mesh>/<service>`, the SPIFFE id of a service in a mesh. */
export function spiffeId(mesh: string, service: string): string {
  return `spiffe://${mesh}/${service}`;
}

/** `kuma://<tag>/<value>`, the SAN Kuma gives every tag of a workload. */
export function kumaTagUri(tag: string, value: string): string {
  return `kuma://${tag}/${value}`;
}

/** The trust domain URI of a mesh, carried by its root CA: `spiffe://<mesh>`. */
export function trustDomainUri(mesh: string): string {
  return `spiffe://${mesh}`;
}
