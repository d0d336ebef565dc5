/**
 * A fake zone control plane speaking the dataplane protocol over real HTTP, for the sidecar's
 * tests: it records registrations, health reports and certificate requests, issues real
 * workload certificates from a real mesh CA (`@zonemesh/pki`), and pushes whatever configs the
 * test sets on open NDJSON streams.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  CertificateRequestSchema,
  type CertificateResponse,
  type HealthReport,
  HealthReportSchema,
  type ProxyConfig,
  type RegisterRequest,
  RegisterRequestSchema,
} from '@zonemesh/api';
import { createCsr, createRootCa, type RootCa, signIntermediate, signWorkload } from '@zonemesh/pki';

/** See the module comment. */
export interface FakeControlPlane {
  readonly url: string;
  readonly root: RootCa;
  readonly registrations: RegisterRequest[];
  readonly healthReports: HealthReport[];
  /** The `Authorization` header of every request. */
  readonly authorizations: (string | undefined)[];
  /** `POST /v1/certificates` received (renewals). */
  certificateRequests: number;
  /** Sets a proxy's config and pushes it to its open streams. */
  push(name: string, config: ProxyConfig): void;
  /** Streams open now for `name`. */
  openStreams(name: string): number;
  /** Ends every open stream (the proxy should reconnect). */
  dropStreams(): void;
  /** Refuses everything with 503 while true (a control plane that is away). */
  unavailable: boolean;
  close(): Promise<void>;
}

/** Options of {@link startFakeControlPlane}. */
export interface FakeControlPlaneOptions {
  readonly mesh?: string;
  /** Lifetime of issued workload certificates; default 1 h. */
  readonly certificateLifetimeMs?: number;
  /** Port to listen on (default any free one); a restarted fake can take the same. */
  readonly port?: number;
  /** Reuse a mesh root (a restarted control plane of the same mesh). */
  readonly root?: RootCa;
}

/** Starts the fake on 127.0.0.1. */
export async function startFakeControlPlane(
  options: FakeControlPlaneOptions = {},
): Promise<FakeControlPlane> {
  const mesh = options.mesh ?? 'default';
  const root = options.root ?? (await createRootCa({ mesh }));
  const zoneCsr = await createCsr({ commonName: 'zone-1' });
  const intermediate = await signIntermediate(root, zoneCsr.csrPem, { zone: 'zone-1', mesh });
  const issuer = { certPem: intermediate.certPem, keyPem: zoneCsr.keyPem };
  const configs = new Map<string, ProxyConfig>();
  const streams = new Map<string, Set<ServerResponse>>();
  const tagsByName = new Map<string, Record<string, string>[]>();

  const issue = async (name: string, csr: string): Promise<CertificateResponse> => {
    const cert = await signWorkload(issuer, csr, {
      mesh,
      inboundTags: tagsByName.get(name) ?? [],
      lifetime: options.certificateLifetimeMs ?? 3_600_000,
    });
    return {
      certPem: cert.certPem,
      caChainPem: `${intermediate.certPem}\n${root.certPem}`,
      rootsPem: root.certPem,
      notAfter: cert.notAfter.toISOString(),
    };
  };

  const fake: FakeControlPlane = {
    url: '',
    root,
    registrations: [],
    healthReports: [],
    authorizations: [],
    certificateRequests: 0,
    unavailable: false,
    push(name, config) {
      configs.set(name, config);
      for (const res of streams.get(name) ?? []) res.write(`${JSON.stringify({ type: 'config', config })}\n`);
    },
    openStreams: (name) => streams.get(name)?.size ?? 0,
    dropStreams() {
      for (const set of streams.values()) for (const res of set) res.end();
    },
    close: () =>
      new Promise((resolve) => {
        fake.dropStreams();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };

  const reply = (res: ServerResponse, status: number, body?: unknown) => {
    if (body === undefined) res.writeHead(status).end();
    else res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    if (fake.unavailable) return reply(res, 503, { title: 'away', details: 'Unavailable', causes: [] });
    const url = new URL(req.url ?? '/', 'http://localhost');
    fake.authorizations.push(req.headers.authorization);
    let text = '';
    for await (const chunk of req) text += String(chunk);
    if (url.pathname === '/v1/register') {
      const request = RegisterRequestSchema.parse(JSON.parse(text));
      fake.registrations.push(request);
      const name = String(request.resource.name);
      const networking = request.resource.networking as
        | { inbound?: { tags?: Record<string, string> }[] }
        | undefined;
      tagsByName.set(
        name,
        (networking?.inbound ?? []).map((inbound) => ({ ...inbound.tags, 'kuma.io/zone': 'zone-1' })),
      );
      const certificate = request.csr === undefined ? undefined : await issue(name, request.csr);
      return reply(res, 200, {
        v: '1',
        name,
        mesh,
        zone: 'zone-1',
        ...(certificate === undefined ? {} : { certificate }),
      });
    }
    if (url.pathname === '/v1/certificates') {
      const request = CertificateRequestSchema.parse(JSON.parse(text));
      fake.certificateRequests++;
      return reply(res, 200, await issue(request.name, request.csr));
    }
    if (url.pathname === '/v1/health') {
      fake.healthReports.push(HealthReportSchema.parse(JSON.parse(text)));
      return reply(res, 204);
    }
    if (url.pathname === '/v1/stream') {
      const name = url.searchParams.get('name') ?? '';
      const config = configs.get(name);
      if (config === undefined)
        return reply(res, 404, { title: 'not registered', details: 'NotFound', causes: [] });
      res.writeHead(200, { 'content-type': 'application/x-ndjson' });
      res.flushHeaders();
      let set = streams.get(name);
      if (set === undefined) streams.set(name, (set = new Set()));
      set.add(res);
      res.on('close', () => set.delete(res));
      res.write(`${JSON.stringify({ type: 'config', config })}\n`);
      return;
    }
    reply(res, 404, { title: 'no such endpoint', details: 'NotFound', causes: [] });
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) =>
      reply(res, 500, { title: String(err), details: 'Internal', causes: [] }),
    );
  });
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
  (fake as { url: string }).url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return fake;
}
