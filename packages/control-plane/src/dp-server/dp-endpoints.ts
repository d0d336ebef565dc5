/**
 * The four endpoints of the dataplane protocol (briefs/dp-protocol.md, schemas in
 * `@zonemesh/api`'s dp-protocol): register, config stream, health, certificates. Every body and
 * query is schema-validated; a refusal is a `MeshError` the server answers as
 * `{title, details, causes}`.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  CertificateRequestSchema,
  type CertificateResponse,
  dpProtocolVersion,
  type DpProxyKind,
  HealthReportSchema,
  isMeshError,
  MeshError,
  RegisterRequestSchema,
  type RegisterResponse,
  type Resource,
} from '@zonemesh/api';
import { type Discovery, inboundTagsOf, type ProxyRef } from '@zonemesh/discovery';
import { decodeBody, type Logger, readBodyText } from '@zonemesh/runtime';
import type { ResourceStore } from '@zonemesh/store';
import * as z from 'zod';
import type { ProxyAuthenticator, ProxyIdentity } from '../auth/proxy-authentication.js';
import { builtinBackendOf, type MeshCa } from '../mesh-ca/mesh-ca.js';
import type { ConfigStreams } from './config-streams.js';
import type { DiscoveryFeed } from './discovery-feed.js';
import type { DpMetrics } from './dp-metrics.js';
import type { ProxyPresence } from './proxy-presence.js';
import { recordHealth, recordPresence, registerProxy } from './proxy-registration.js';

/** A JSON answer. */
export interface JsonReply {
  readonly status: number;
  readonly body?: unknown;
}

/** What the endpoints work with. */
export interface DpEndpointDependencies {
  readonly zone: string;
  readonly store: ResourceStore;
  readonly discovery: Discovery;
  readonly feed: DiscoveryFeed;
  readonly meshCa: MeshCa;
  readonly streams: ConfigStreams;
  readonly presence: ProxyPresence;
  readonly metrics: DpMetrics;
  readonly log: Logger;
  readonly bodyLimitBytes: number;
  /** Who the caller is and what it may do (`--dp-auth`). */
  readonly auth: ProxyAuthenticator;
}

const StreamQuerySchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('Dataplane'), mesh: z.string().min(1), name: z.string().min(1) }),
  z.object({ kind: z.literal('ZoneIngress'), name: z.string().min(1) }),
]);

/** The endpoints, bound to their dependencies. */
export function createDpEndpoints(deps: DpEndpointDependencies) {
  const { zone, store, discovery, feed, meshCa, streams, presence, metrics, log, auth } = deps;
  const markOnline = presenceWriter(store, log);

  /**
   * Runs an authentication or authorization step; a refusal is counted and logged (never with the
   * credential) and rethrown for the server to answer 401/403.
   */
  const refusing = async <T>(
    endpoint: string,
    req: IncomingMessage,
    target: Readonly<Record<string, string | undefined>>,
    identity: ProxyIdentity | undefined,
    step: () => Promise<T>,
  ): Promise<T> => {
    try {
      return await step();
    } catch (err) {
      if (isMeshError(err, 'Unauthenticated') || isMeshError(err, 'Forbidden')) {
        const reason = err.code === 'Unauthenticated' ? 'unauthenticated' : 'forbidden';
        metrics.authRefusals.inc({ endpoint, reason });
        log.warn(
          {
            endpoint,
            reason,
            why: err.message,
            ...target,
            credential: identity?.kind,
            tokenId: identity !== undefined && 'claims' in identity ? identity.claims.jti : undefined,
            remoteAddress: req.socket.remoteAddress,
          },
          'proxy request refused',
        );
      }
      throw err;
    }
  };

  /** Who sent the request (401 without a valid credential). */
  const identify = (endpoint: string, req: IncomingMessage): Promise<ProxyIdentity> =>
    refusing(endpoint, req, {}, undefined, () => auth.authenticate(req.headers.authorization));

  /** 403 unless the identity may act as this Dataplane (with its inbound tags when given). */
  const permitDataplane = (
    endpoint: string,
    req: IncomingMessage,
    identity: ProxyIdentity,
    target: { mesh: string; name: string; inboundTags?: readonly Readonly<Record<string, string>>[] },
  ): Promise<void> =>
    refusing(endpoint, req, { kind: 'Dataplane', mesh: target.mesh, name: target.name }, identity, () =>
      auth.authorizeDataplane(identity, target),
    );

  /** 403 unless the identity may act as this ZoneIngress. */
  const permitIngress = (
    endpoint: string,
    req: IncomingMessage,
    identity: ProxyIdentity,
    name: string,
  ): Promise<void> =>
    refusing(endpoint, req, { kind: 'ZoneIngress', name }, identity, () =>
      auth.authorizeIngress(identity, name),
    );

  const readJson = async (req: IncomingMessage): Promise<unknown> =>
    decodeBody(await readBodyText(req, deps.bodyLimitBytes), req.headers['content-type']);

  const refreshProxies = (): void => {
    metrics.proxies.reset();
    for (const { kind, mesh, count } of presence.onlineCounts()) metrics.proxies.set({ kind, mesh }, count);
  };

  /** Waits until discovery has seen every write made so far (read-your-writes for the stream). */
  const settle = async (): Promise<void> => feed.caughtUp(await store.revision());

  const issue = async (
    dataplane: Resource,
    csrPem: string,
    via: 'register' | 'rotation',
  ): Promise<CertificateResponse> => {
    const mesh = await store.get({ type: 'Mesh', name: dataplane.meta.mesh ?? '' });
    if (mesh === undefined)
      throw new MeshError('Unavailable', `mesh ${dataplane.meta.mesh ?? ''} does not exist in zone ${zone}`);
    const certificate = await meshCa.issue({ mesh, csrPem, inboundTags: inboundTagsOf(dataplane) });
    metrics.certificates.inc({ mesh: mesh.meta.name });
    log.info(
      { mesh: mesh.meta.name, name: dataplane.meta.name, notAfter: certificate.notAfter, via },
      'workload certificate issued',
    );
    return certificate;
  };

  return {
    async register(req: IncomingMessage): Promise<JsonReply> {
      let kind = 'unknown';
      try {
        const identity = await identify('register', req);
        const request = parse(RegisterRequestSchema, await readJson(req));
        kind = request.kind;
        const resource = await registerProxy({
          store,
          zone,
          kind: request.kind,
          resource: request.resource,
          initialServices: () => discovery.availableServices(),
          authorize: (decoded) =>
            decoded.type === 'ZoneIngress'
              ? permitIngress('register', req, identity, decoded.meta.name)
              : permitDataplane('register', req, identity, {
                  mesh: decoded.meta.mesh ?? '',
                  name: decoded.meta.name,
                  inboundTags: inboundTagsOf(decoded as Resource),
                }),
        });
        await settle();
        let certificate: CertificateResponse | undefined;
        if (request.kind === 'Dataplane' && request.csr !== undefined) {
          const mesh = await store.get({ type: 'Mesh', name: resource.meta.mesh ?? '' });
          if (mesh !== undefined && builtinBackendOf(mesh) !== undefined) {
            certificate = await issue(resource, request.csr, 'register');
          }
        }
        metrics.registrations.inc({ kind, result: 'ok' });
        log.info(
          {
            kind,
            mesh: resource.meta.mesh,
            name: resource.meta.name,
            certificate: certificate !== undefined,
          },
          'proxy registered',
        );
        const body: RegisterResponse = {
          v: dpProtocolVersion,
          name: resource.meta.name,
          ...(resource.meta.mesh === undefined ? {} : { mesh: resource.meta.mesh }),
          zone,
          ...(certificate === undefined ? {} : { certificate }),
        };
        return { status: 200, body };
      } catch (err) {
        metrics.registrations.inc({ kind, result: 'refused' });
        throw err;
      }
    },

    async health(req: IncomingMessage): Promise<JsonReply> {
      try {
        const identity = await identify('health', req);
        const report = parse(HealthReportSchema, await readJson(req));
        await permitDataplane('health', req, identity, { mesh: report.mesh, name: report.name });
        const changed = await recordHealth(store, report);
        metrics.healthReports.inc({ result: changed ? 'changed' : 'unchanged' });
        if (changed)
          log.info(
            { mesh: report.mesh, name: report.name, inbounds: report.inbounds },
            'inbound health changed',
          );
        return { status: 204 };
      } catch (err) {
        metrics.healthReports.inc({ result: 'refused' });
        throw err;
      }
    },

    async certificates(req: IncomingMessage): Promise<JsonReply> {
      const identity = await identify('certificates', req);
      const request = parse(CertificateRequestSchema, await readJson(req));
      if (request.kind !== 'Dataplane') {
        throw new MeshError('InvalidInput', 'zone ingresses never decrypt traffic and get no certificate', {
          causes: [{ field: 'kind', message: 'must be Dataplane' }],
        });
      }
      const dataplane = await store.get({ type: 'Dataplane', mesh: request.mesh, name: request.name });
      if (dataplane === undefined) {
        throw new MeshError(
          'NotFound',
          `Dataplane ${request.mesh}/${request.name} is not registered; register first`,
        );
      }
      // Checked against what is stored now: the certificate's SANs come from these inbound tags.
      await permitDataplane('certificates', req, identity, {
        mesh: request.mesh,
        name: request.name,
        inboundTags: inboundTagsOf(dataplane),
      });
      return { status: 200, body: await issue(dataplane, request.csr, 'rotation') };
    },

    /**
     * Opens the stream on `res`; throws (before writing anything) when the caller may not act as
     * that proxy or the proxy is unknown.
     */
    async stream(req: IncomingMessage, query: URLSearchParams, res: ServerResponse): Promise<void> {
      const identity = await identify('stream', req);
      const parsed = parse(StreamQuerySchema, Object.fromEntries(query));
      const ref: ProxyRef =
        parsed.kind === 'Dataplane'
          ? { mesh: parsed.mesh, name: parsed.name }
          : { mesh: '', name: parsed.name };
      if (parsed.kind === 'Dataplane') await permitDataplane('stream', req, identity, ref);
      else await permitIngress('stream', req, identity, ref.name);
      const config =
        parsed.kind === 'Dataplane' ? discovery.proxyConfig(ref) : discovery.ingressConfig(parsed.name);
      if (config === undefined) {
        const what =
          parsed.kind === 'Dataplane' ? `Dataplane ${ref.mesh}/${ref.name}` : `ZoneIngress ${ref.name}`;
        throw new MeshError('NotFound', `${what} is not registered in zone ${zone}; POST /v1/register first`);
      }
      presence.connected(parsed.kind, ref);
      refreshProxies();
      markOnline(parsed.kind, ref, true);
      log.info(
        { kind: parsed.kind, mesh: parsed.kind === 'Dataplane' ? ref.mesh : undefined, name: ref.name },
        'proxy connected',
      );
      streams.open(parsed.kind, ref, res, config, () => {
        presence.disconnected(parsed.kind, ref);
        refreshProxies();
        markOnline(parsed.kind, ref, false);
        log.info(
          { kind: parsed.kind, mesh: parsed.kind === 'Dataplane' ? ref.mesh : undefined, name: ref.name },
          'proxy disconnected',
        );
      });
      metrics.pushes.inc({ kind: parsed.kind, mesh: ref.mesh });
    },
  };
}

/**
 * Writes a sidecar's online state onto its Dataplane in the background (a label that syncs to
 * global); a failure is logged, never thrown into the stream handling.
 */
function presenceWriter(store: ResourceStore, log: Logger) {
  return (kind: DpProxyKind, ref: ProxyRef, online: boolean): void => {
    if (kind !== 'Dataplane') return;
    recordPresence(store, ref, online).catch((err: unknown) =>
      log.warn({ mesh: ref.mesh, name: ref.name, online, err }, 'could not record proxy presence'),
    );
  };
}

/** Validates with a schema; throws `InvalidInput` naming every bad field (`inbounds[0].port`). */
function parse<S extends z.ZodType>(schema: S, value: unknown): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const causes = result.error.issues.map((issue) => ({
    field: fieldPath(issue.path),
    message: issue.message,
  }));
  throw new MeshError('InvalidInput', 'request is invalid', { causes });
}

function fieldPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out === '' ? String(part) : `.${String(part)}`;
  }
  return out;
}
