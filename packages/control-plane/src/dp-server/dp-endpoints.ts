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
  HealthReportSchema,
  MeshError,
  RegisterRequestSchema,
  type RegisterResponse,
  type Resource,
} from '@zonemesh/api';
import { type Discovery, inboundTagsOf, type ProxyRef } from '@zonemesh/discovery';
import { decodeBody, type Logger, readBodyText } from '@zonemesh/runtime';
import type { ResourceStore } from '@zonemesh/store';
import * as z from 'zod';
import { builtinBackendOf, type MeshCa } from '../mesh-ca/mesh-ca.js';
import type { ConfigStreams } from './config-streams.js';
import type { DiscoveryFeed } from './discovery-feed.js';
import type { DpMetrics } from './dp-metrics.js';
import type { ProxyPresence } from './proxy-presence.js';
import { recordHealth, registerProxy } from './proxy-registration.js';

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
}

const StreamQuerySchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('Dataplane'), mesh: z.string().min(1), name: z.string().min(1) }),
  z.object({ kind: z.literal('ZoneIngress'), name: z.string().min(1) }),
]);

/** The endpoints, bound to their dependencies. */
export function createDpEndpoints(deps: DpEndpointDependencies) {
  const { zone, store, discovery, feed, meshCa, streams, presence, metrics, log } = deps;

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
        const request = parse(RegisterRequestSchema, await readJson(req));
        kind = request.kind;
        const resource = await registerProxy({
          store,
          zone,
          kind: request.kind,
          resource: request.resource,
          initialServices: () => discovery.availableServices(),
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
        const report = parse(HealthReportSchema, await readJson(req));
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
      return { status: 200, body: await issue(dataplane, request.csr, 'rotation') };
    },

    /** Opens the stream on `res`; throws (before writing anything) when the proxy is unknown. */
    stream(query: URLSearchParams, res: ServerResponse): void {
      const parsed = parse(StreamQuerySchema, Object.fromEntries(query));
      const ref: ProxyRef =
        parsed.kind === 'Dataplane'
          ? { mesh: parsed.mesh, name: parsed.name }
          : { mesh: '', name: parsed.name };
      const config =
        parsed.kind === 'Dataplane' ? discovery.proxyConfig(ref) : discovery.ingressConfig(parsed.name);
      if (config === undefined) {
        const what =
          parsed.kind === 'Dataplane' ? `Dataplane ${ref.mesh}/${ref.name}` : `ZoneIngress ${ref.name}`;
        throw new MeshError('NotFound', `${what} is not registered in zone ${zone}; POST /v1/register first`);
      }
      presence.connected(parsed.kind, ref);
      refreshProxies();
      log.info(
        { kind: parsed.kind, mesh: parsed.kind === 'Dataplane' ? ref.mesh : undefined, name: ref.name },
        'proxy connected',
      );
      streams.open(parsed.kind, ref, res, config, () => {
        presence.disconnected(parsed.kind, ref);
        refreshProxies();
        log.info(
          { kind: parsed.kind, mesh: parsed.kind === 'Dataplane' ? ref.mesh : undefined, name: ref.name },
          'proxy disconnected',
        );
      });
      metrics.pushes.inc({ kind: parsed.kind, mesh: ref.mesh });
    },
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
