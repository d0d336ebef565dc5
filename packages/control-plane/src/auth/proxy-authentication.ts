/**
 * Who a proxy calling the dataplane server is, and what it may do (`--dp-auth`):
 * - `token` (default): `Authorization: Bearer <token>`. A dataplane token (`zmctl generate
 *   dataplane-token`) lets a sidecar register, stream, report health and get certificates for
 *   exactly its mesh and name, with inbound tags within the token's tags; a zone token with scope
 *   `ingress` lets a zone ingress of this zone do the same for ZoneIngresses. On Kubernetes a
 *   Pod's ServiceAccount token works too (checked with a TokenReview): it covers the Dataplane
 *   `<pod>.<namespace>` of a Pod running as that ServiceAccount, in the Pod's mesh, with the
 *   inbound tags the Pod's Services and labels give it, and ZoneIngresses of Pods in the control
 *   plane's namespace.
 * - `none`: anyone may act as any proxy. For development only; the control plane warns at start.
 * Refusals: `Unauthenticated` (401) without a valid credential, `Forbidden` (403) when the
 * credential does not cover the request. Nothing is written before a request is authorized.
 */
import { createHash } from 'node:crypto';
import { MeshError, Tags } from '@zonemesh/api';
import { dataplaneName, inboundsForPod, type KubeClient, meshOfPod } from '@zonemesh/kubernetes';
import type { TokenAuthority } from './token-authority.js';
import type { DataplaneTokenClaims, TokenClaims, ZoneTokenClaims } from './token-format.js';

/** A proxy's proven identity. */
export type ProxyIdentity =
  | { readonly kind: 'dataplane-token'; readonly claims: DataplaneTokenClaims }
  | { readonly kind: 'zone-token'; readonly claims: ZoneTokenClaims }
  | {
      readonly kind: 'service-account';
      readonly namespace: string;
      readonly serviceAccount: string;
      /** From a bound token's TokenReview, when the API server says. */
      readonly podName?: string;
    }
  /** `--dp-auth none`. */
  | { readonly kind: 'anyone' };

/** What a Dataplane request touches. */
export interface DataplaneTarget {
  readonly mesh: string;
  readonly name: string;
  /** Each inbound's tags, when the request registers or certifies them. */
  readonly inboundTags?: readonly Readonly<Record<string, string>>[];
}

export interface ProxyAuthenticator {
  /** Proves who sent the request from its `Authorization` header. */
  authenticate(authorization: string | undefined): Promise<ProxyIdentity>;
  /** Throws unless the identity may act as this Dataplane (with these inbound tags). */
  authorizeDataplane(identity: ProxyIdentity, target: DataplaneTarget): Promise<void>;
  /** Throws unless the identity may act as this zone's ZoneIngress `name`. */
  authorizeIngress(identity: ProxyIdentity, name: string): Promise<void>;
}

/** `--dp-auth none`: every request is anyone's, everything is allowed. */
export const allowAnyProxy: ProxyAuthenticator = {
  authenticate: async () => ({ kind: 'anyone' }),
  authorizeDataplane: async () => undefined,
  authorizeIngress: async () => undefined,
};

export interface TokenProxyAuthOptions {
  readonly zone: string;
  readonly tokens: TokenAuthority;
  /** On Kubernetes: ServiceAccount tokens are reviewed here. */
  readonly kube?: { readonly client: KubeClient; readonly systemNamespace: string } | undefined;
}

const tokenReviewPath = '/apis/authentication.k8s.io/v1/tokenreviews';
const reviewCacheMs = 60_000;

/** `--dp-auth token`. */
export function createTokenProxyAuth(options: TokenProxyAuthOptions): ProxyAuthenticator {
  const { zone, tokens, kube } = options;
  const reviews = new Map<string, { identity: ProxyIdentity; until: number }>();

  const review = async (client: KubeClient, token: string): Promise<ProxyIdentity> => {
    const cacheKey = createHash('sha256').update(token).digest('hex');
    const hit = reviews.get(cacheKey);
    if (hit !== undefined && hit.until > Date.now()) return hit.identity;
    let answer: Awaited<ReturnType<KubeClient['create']>>;
    try {
      answer = await client.create(tokenReviewPath, {
        apiVersion: 'authentication.k8s.io/v1',
        kind: 'TokenReview',
        spec: { token },
      });
    } catch (err) {
      throw new MeshError('Unavailable', 'cannot review the ServiceAccount token with the Kubernetes API', {
        cause: err,
      });
    }
    const status = answer.status as
      | { authenticated?: boolean; user?: { username?: string; extra?: Record<string, string[]> } }
      | undefined;
    const match = /^system:serviceaccount:([^:]+):([^:]+)$/.exec(status?.user?.username ?? '');
    if (status?.authenticated !== true || match === null) {
      throw new MeshError(
        'Unauthenticated',
        'the token is neither a valid zonemesh token nor a ServiceAccount token',
      );
    }
    const podName = status.user?.extra?.['authentication.kubernetes.io/pod-name']?.[0];
    const identity: ProxyIdentity = {
      kind: 'service-account',
      namespace: match[1] ?? '',
      serviceAccount: match[2] ?? '',
      ...(podName === undefined ? {} : { podName }),
    };
    if (reviews.size > 10_000) reviews.clear();
    reviews.set(cacheKey, { identity, until: Date.now() + reviewCacheMs });
    return identity;
  };

  const fromClaims = (claims: TokenClaims): ProxyIdentity => {
    if (claims.kind === 'dataplane') return { kind: 'dataplane-token', claims };
    if (claims.kind === 'zone') return { kind: 'zone-token', claims };
    throw new MeshError(
      'Unauthenticated',
      'a user token does not identify a proxy: use a dataplane or zone token',
    );
  };

  return {
    async authenticate(authorization) {
      const token = bearerToken(authorization);
      if (token === undefined) {
        throw new MeshError(
          'Unauthenticated',
          kube === undefined
            ? 'this control plane requires a token: run the proxy with --dataplane-token-file (zmctl generate dataplane-token) or --token-file (zmctl generate zone-token)'
            : "this control plane requires a token: the Pod's ServiceAccount token, or one from zmctl generate",
        );
      }
      if (kube === undefined || looksLikeZonemeshToken(token)) {
        return fromClaims(await tokens.verify(token));
      }
      return review(kube.client, token);
    },

    async authorizeDataplane(identity, target) {
      if (identity.kind === 'anyone') return;
      if (identity.kind === 'zone-token') {
        throw new MeshError('Forbidden', 'a zone token is for zone ingresses, not for Dataplanes');
      }
      if (identity.kind === 'service-account') {
        await authorizePod(identity, target);
        return;
      }
      const { claims } = identity;
      if (claims.mesh !== target.mesh || claims.name !== target.name) {
        throw new MeshError(
          'Forbidden',
          `the dataplane token is for ${claims.mesh}/${claims.name}, not for ${target.mesh}/${target.name}`,
        );
      }
      const problems = tagProblems(claims.tags, target.inboundTags ?? []);
      if (problems.length > 0) {
        throw new MeshError('Forbidden', 'the inbound tags are not covered by the dataplane token', {
          causes: problems,
        });
      }
    },

    async authorizeIngress(identity, name) {
      if (identity.kind === 'anyone') return;
      if (identity.kind === 'dataplane-token') {
        throw new MeshError(
          'Forbidden',
          'a dataplane token is for sidecars: a zone ingress needs a zone token',
        );
      }
      if (identity.kind === 'service-account') {
        if (kube === undefined || identity.namespace !== kube.systemNamespace) {
          throw new MeshError(
            'Forbidden',
            `ZoneIngress ${name}: ServiceAccounts of namespace ${identity.namespace} may not run zone ingresses (only ${kube?.systemNamespace ?? 'the control plane namespace'})`,
          );
        }
        return;
      }
      const { claims } = identity;
      if (claims.zone !== zone) {
        throw new MeshError('Forbidden', `the zone token is for zone ${claims.zone}, not for ${zone}`);
      }
      if (!claims.scope.includes('ingress')) {
        throw new MeshError('Forbidden', 'the zone token does not have scope ingress');
      }
    },
  };

  async function authorizePod(
    identity: Extract<ProxyIdentity, { kind: 'service-account' }>,
    target: DataplaneTarget,
  ): Promise<void> {
    const client = kube?.client;
    const dot = target.name.lastIndexOf('.');
    const podName = target.name.slice(0, dot);
    const namespace = target.name.slice(dot + 1);
    if (client === undefined || dot <= 0 || namespace !== identity.namespace) {
      throw new MeshError(
        'Forbidden',
        `ServiceAccount ${identity.namespace}/${identity.serviceAccount} may only run Dataplanes <pod>.${identity.namespace}, not ${target.name}`,
      );
    }
    if (identity.podName !== undefined && identity.podName !== podName) {
      throw new MeshError(
        'Forbidden',
        `the ServiceAccount token is bound to Pod ${identity.podName}, not ${podName}`,
      );
    }
    const pod = await client.get(
      `/api/v1/namespaces/${encodeURIComponent(namespace)}/pods/${encodeURIComponent(podName)}`,
    );
    const runsAs =
      (pod?.spec as { serviceAccountName?: string } | undefined)?.serviceAccountName ?? 'default';
    if (pod === undefined || dataplaneName(pod) !== target.name || runsAs !== identity.serviceAccount) {
      throw new MeshError(
        'Forbidden',
        `no Pod ${namespace}/${podName} runs as ServiceAccount ${identity.serviceAccount}`,
      );
    }
    if (meshOfPod(pod) !== target.mesh) {
      throw new MeshError(
        'Forbidden',
        `Pod ${namespace}/${podName} is in mesh ${meshOfPod(pod)}, not ${target.mesh}`,
      );
    }
    if (target.inboundTags === undefined) return;
    // The certificate's identities come from these tags: they must be what the Pod's Services and
    // labels give it (as the workload controller derives them), not what the sidecar claims.
    const services = await client.list(`/api/v1/namespaces/${encodeURIComponent(namespace)}/services`);
    const derived = inboundsForPod(pod, services.items, zone);
    const problems = target.inboundTags.flatMap((tags, index) => {
      const own = derived.find((inbound) => inbound.tags[Tags.service] === tags[Tags.service]);
      const wrong = Object.entries(tags).filter(
        ([tag, value]) => tag !== Tags.zone && own?.tags[tag] !== value,
      );
      return wrong.map(([tag, value]) => ({
        field: `networking.inbound[${index}].tags["${tag}"]`,
        message: `${JSON.stringify(value)} is not what Pod ${namespace}/${podName} gets from its Services and labels`,
      }));
    });
    if (problems.length > 0) {
      throw new MeshError('Forbidden', `the inbound tags are not those of Pod ${namespace}/${podName}`, {
        causes: problems,
      });
    }
  }
}

/**
 * Kuma's rule for a token's tags: for each tag the token names, every inbound must carry that
 * tag with one of the token's values. Tags the token does not name are free. The `kuma.io/zone`
 * tag is the control plane's to set, never the proxy's.
 */
export function tagProblems(
  allowed: Readonly<Record<string, readonly string[]>> | undefined,
  inbounds: readonly Readonly<Record<string, string>>[],
): { field: string; message: string }[] {
  if (allowed === undefined) return [];
  const problems: { field: string; message: string }[] = [];
  inbounds.forEach((tags, index) => {
    for (const [tag, values] of Object.entries(allowed)) {
      if (tag === Tags.zone) continue;
      const value = tags[tag];
      if (value === undefined || !values.includes(value)) {
        problems.push({
          field: `networking.inbound[${index}].tags["${tag}"]`,
          message: `must be ${values.map((v) => JSON.stringify(v)).join(' or ')} (the token allows no other)`,
        });
      }
    }
  });
  return problems;
}

/** The token of `Authorization: Bearer <token>`, undefined when absent or not Bearer. */
export function bearerToken(authorization: string | undefined): string | undefined {
  if (authorization === undefined) return undefined;
  const match = /^Bearer[ ]+(\S+)\s*$/i.exec(authorization);
  return match?.[1];
}

/**
 * A zonemesh token is a JWT whose header names EdDSA; anything else (ServiceAccount tokens are
 * RS256 JWTs, legacy ones opaque) is for the API server to review.
 */
function looksLikeZonemeshToken(token: string): boolean {
  const header = token.split('.')[0] ?? '';
  try {
    const parsed = JSON.parse(Buffer.from(header, 'base64url').toString('utf8')) as { alg?: unknown };
    return parsed.alg === 'EdDSA';
  } catch {
    return false;
  }
}
