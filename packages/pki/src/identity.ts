/** Reading a peer's mesh identity back from its certificate's URI SANs. */
import { X509Certificate as NodeCertificate } from 'node:crypto';
import { MeshError } from '@zonemesh/api';
import { serviceTag } from './spiffe-id.js';

/** Who a peer is in the mesh, as its certificate says. */
export interface MeshIdentity {
  readonly mesh: string;
  /** Its `kuma.io/service` values (from `spiffe://` SANs), sorted. */
  readonly services: readonly string[];
  /** Every tag with its values (from `kuma://` SANs), values sorted. */
  readonly tags: Readonly<Record<string, readonly string[]>>;
}

/**
 * A peer certificate in any form Node gives it: PEM, DER, a `crypto.X509Certificate`, or the
 * object from `tlsSocket.getPeerCertificate()` (which carries `subjectaltname`).
 */
export type PeerCertificateInput =
  | string
  | Uint8Array
  | NodeCertificate
  | { readonly subjectaltname?: string };

const spiffePattern = /^spiffe:\/\/([a-z0-9][a-z0-9.\-_]*)\/([a-zA-Z0-9.\-_:]+)$/;
const kumaPattern = /^kuma:\/\/([a-zA-Z0-9.\-_:/]+)\/([a-zA-Z0-9.\-_:]+)$/;

/**
 * The mesh identity carried by a certificate's URI SANs. Tag values never contain "/", so a
 * `kuma://` URI splits at its last "/". URIs of other shapes are ignored. Trusts the input: call
 * it on a certificate the TLS layer has already verified. Throws `Unauthenticated` when there is
 * no `spiffe://` SAN or when SANs name more than one mesh.
 */
export function identityOf(peer: PeerCertificateInput): MeshIdentity {
  const uris = uriSans(subjectAltNameOf(peer));
  let mesh: string | undefined;
  const services = new Set<string>();
  const tags = new Map<string, Set<string>>();
  for (const uri of uris) {
    const spiffe = spiffePattern.exec(uri);
    if (spiffe !== null) {
      const [, uriMesh = '', service = ''] = spiffe;
      if (mesh !== undefined && mesh !== uriMesh) {
        throw new MeshError('Unauthenticated', `peer certificate names two meshes: ${mesh} and ${uriMesh}`);
      }
      mesh = uriMesh;
      services.add(service);
      continue;
    }
    const kuma = kumaPattern.exec(uri);
    if (kuma !== null) {
      const [, tag = '', value = ''] = kuma;
      const values = tags.get(tag) ?? new Set<string>();
      values.add(value);
      tags.set(tag, values);
    }
  }
  if (mesh === undefined)
    throw new MeshError('Unauthenticated', 'peer certificate has no spiffe:// identity');
  if (!tags.has(serviceTag)) tags.set(serviceTag, new Set(services));
  const tagRecord: Record<string, readonly string[]> = {};
  for (const [tag, values] of [...tags].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    tagRecord[tag] = [...values].sort();
  }
  return { mesh, services: [...services].sort(), tags: tagRecord };
}

function subjectAltNameOf(peer: PeerCertificateInput): string {
  if (peer instanceof NodeCertificate) return peer.subjectAltName ?? '';
  if (typeof peer === 'string' || peer instanceof Uint8Array) {
    try {
      return new NodeCertificate(peer).subjectAltName ?? '';
    } catch (err) {
      throw new MeshError('Unauthenticated', 'peer certificate cannot be parsed', { cause: err });
    }
  }
  return peer.subjectaltname ?? '';
}

/**
 * The `URI:` entries of Node's subjectAltName text (`URI:a, DNS:b, ...`). Node quotes an entry
 * that contains a comma or quote; such an entry cannot be a valid identity URI and is skipped.
 */
function uriSans(subjectAltName: string): string[] {
  const out: string[] = [];
  for (const entry of subjectAltName.split(', ')) {
    if (entry.startsWith('URI:') && !entry.startsWith('URI:"')) out.push(entry.slice(4));
  }
  return out;
}
