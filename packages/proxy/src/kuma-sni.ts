/**
 * Kuma's SNI for mesh traffic: `<service>{k=v,...}` with every tag but `kuma.io/service`, the
 * mesh included as the tag `mesh`, keys sorted (Kuma's `SNIFromTags`). A source sidecar sends it;
 * a zone ingress routes on it without decrypting.
 */
import { MeshError } from '@zonemesh/api';

/** The parts of a Kuma mesh SNI. */
export interface KumaSni {
  readonly service: string;
  readonly mesh: string;
  /** Tags other than `kuma.io/service` and `mesh`. */
  readonly tags: Readonly<Record<string, string>>;
}

const servicePattern = /^[a-zA-Z0-9.\-_:]+$/;
const tagNamePattern = /^[a-zA-Z0-9.\-_:/]+$/;
const tagValuePattern = /^[a-zA-Z0-9.\-_:]+$/;
const serviceTag = 'kuma.io/service';

/**
 * Builds `<service>{mesh=<mesh>[,k=v...]}` with keys sorted by code unit. Throws `InvalidInput`
 * naming the field for characters that would make the SNI ambiguous (`{`, `}`, `,`, `=`).
 */
export function formatKumaSni(sni: KumaSni): string {
  if (!servicePattern.test(sni.service)) throw invalid('service', 'must use only [a-zA-Z0-9.-_:]');
  if (!tagValuePattern.test(sni.mesh)) throw invalid('mesh', 'must use only [a-zA-Z0-9.-_:]');
  const pairs: [string, string][] = [['mesh', sni.mesh]];
  for (const [key, value] of Object.entries(sni.tags)) {
    if (key === serviceTag || key === 'mesh') throw invalid(`tags.${key}`, 'is set by the SNI itself');
    if (!tagNamePattern.test(key)) throw invalid(`tags.${key}`, 'name must use only [a-zA-Z0-9.-_:/]');
    if (!tagValuePattern.test(value)) throw invalid(`tags.${key}`, 'value must use only [a-zA-Z0-9.-_:]');
    pairs.push([key, value]);
  }
  pairs.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `${sni.service}{${pairs.map(([k, v]) => `${k}=${v}`).join(',')}}`;
}

/**
 * Parses a Kuma mesh SNI. Throws `InvalidInput` (field `sni`) when it is not
 * `<service>{k=v,...}` with a `mesh` tag, or repeats a key. Key order is not checked, so SNIs
 * from other Kuma-speaking proxies parse too.
 */
export function parseKumaSni(sni: string): KumaSni {
  const open = sni.indexOf('{');
  if (open <= 0 || !sni.endsWith('}')) throw invalid('sni', 'must be <service>{mesh=<mesh>[,key=value...]}');
  const service = sni.slice(0, open);
  if (!servicePattern.test(service))
    throw invalid('sni', `service "${service}" has characters outside [a-zA-Z0-9.-_:]`);
  const tags = new Map<string, string>();
  let mesh: string | undefined;
  for (const pair of sni.slice(open + 1, -1).split(',')) {
    const eq = pair.indexOf('=');
    const key = pair.slice(0, eq);
    const value = pair.slice(eq + 1);
    if (eq <= 0 || !tagNamePattern.test(key) || !tagValuePattern.test(value)) {
      throw invalid('sni', `"${pair}" is not a key=value tag`);
    }
    if (key === 'mesh') {
      if (mesh !== undefined) throw invalid('sni', 'repeats mesh');
      mesh = value;
    } else {
      if (tags.has(key) || key === serviceTag) throw invalid('sni', `repeats ${key}`);
      tags.set(key, value);
    }
  }
  if (mesh === undefined) throw invalid('sni', 'has no mesh tag');
  return { service, mesh, tags: Object.fromEntries(tags) };
}

function invalid(field: string, message: string): MeshError {
  return new MeshError('InvalidInput', `${field} ${message}`, { causes: [{ field, message }] });
}
