/**
 * How a zone gets its intermediate CA from global: one NATS request/reply per (mesh, backend) on
 * `zm.pki.sign.<zone>`, carrying only the zone's CSR; the reply carries the signed intermediate
 * and the mesh's roots. Global takes the zone from the subject, whose publish rights the zone's
 * NATS account pins (deploy: export `zm.pki.sign.*` from global's account as a service, import
 * `zm.pki.sign.<zone>` into each zone's), never from the payload. Both bodies are
 * schema-validated; a bad request is answered with an error, never crashes the responder.
 */
import { type Msg, type NatsConnection } from '@nats-io/transport-node';
import { MeshError, type MeshErrorCode, toMeshError } from '@zonemesh/api';
import type { ResourceStore } from '@zonemesh/store';
import type { Logger } from '@zonemesh/runtime';
import * as z from 'zod';
import { decodeJson, serveRequests } from '../nats-exchange.js';
import type { RootAuthority, SignedIntermediate } from './root-authority.js';

/** The subject a zone sends its intermediate CSRs to. */
export function caSignSubject(zone: string): string {
  return `zm.pki.sign.${zone}`;
}

/** What global listens to (queue group `zm-pki`, so global replicas share the work). */
export const caSignWildcard = 'zm.pki.sign.*';

const SignRequestSchema = z.object({
  v: z.literal('1'),
  mesh: z.string().min(1),
  backend: z.string().min(1),
  csr: z
    .string()
    .min(1)
    .max(16 * 1024),
});

const SignReplySchema = z.discriminatedUnion('ok', [
  z.object({
    v: z.literal('1'),
    ok: z.literal(true),
    certPem: z.string().min(1),
    rootsPem: z.string().min(1),
  }),
  z.object({ v: z.literal('1'), ok: z.literal(false), code: z.string(), message: z.string() }),
]);

/**
 * Global's side: answers sign requests until `signal` aborts. Subscribes again on every new
 * connection `connections` yields.
 */
export async function serveCaExchange(options: {
  readonly connection: () => Promise<NatsConnection>;
  readonly store: ResourceStore;
  readonly authority: RootAuthority;
  readonly log: Logger;
  readonly signal: AbortSignal;
}): Promise<void> {
  const { store, authority, log, signal } = options;
  const answer = async (msg: Msg): Promise<void> => {
    const zone = msg.subject.split('.')[3] ?? '';
    let reply: z.input<typeof SignReplySchema>;
    try {
      const request = SignRequestSchema.safeParse(decodeJson(msg.data));
      if (!request.success) throw new MeshError('InvalidInput', 'malformed intermediate CA request');
      const mesh = await store.get({ type: 'Mesh', name: request.data.mesh });
      if (mesh === undefined)
        throw new MeshError('NotFound', `mesh ${request.data.mesh} does not exist on global`);
      const signed = await authority.signZone(zone, mesh, request.data.backend, request.data.csr);
      reply = { v: '1', ok: true, ...signed };
    } catch (err) {
      const error = toMeshError(err);
      log.warn({ zone, code: error.code, err: error.message }, 'zone intermediate ca request refused');
      reply = { v: '1', ok: false, code: error.code, message: error.message };
    }
    msg.respond(JSON.stringify(reply));
  };
  await serveRequests({
    connection: options.connection,
    signal,
    subject: caSignWildcard,
    queue: 'zm-pki',
    log,
    label: 'ca exchange',
    answer,
  });
}

/**
 * A zone's side: sends one CSR and returns the signed intermediate. Throws `Unavailable` when
 * global does not answer in `timeoutMs` (retryable), or the code global refused it with.
 */
export async function requestIntermediate(
  nc: NatsConnection,
  request: { readonly zone: string; readonly mesh: string; readonly backend: string; readonly csr: string },
  timeoutMs = 10_000,
): Promise<SignedIntermediate> {
  let msg: Msg;
  try {
    msg = await nc.request(
      caSignSubject(request.zone),
      JSON.stringify({ v: '1', mesh: request.mesh, backend: request.backend, csr: request.csr }),
      { timeout: timeoutMs },
    );
  } catch (err) {
    throw new MeshError(
      'Unavailable',
      `global did not sign the intermediate CA of mesh ${request.mesh}: ${(err as Error).message}`,
      {
        cause: err,
      },
    );
  }
  const reply = SignReplySchema.safeParse(decodeJson(msg.data));
  if (!reply.success)
    throw new MeshError('Internal', 'global answered the intermediate CA request with a malformed reply');
  if (!reply.data.ok)
    throw new MeshError(asCode(reply.data.code), `global refused the intermediate CA: ${reply.data.message}`);
  return { certPem: reply.data.certPem, rootsPem: reply.data.rootsPem };
}

const knownCodes: readonly MeshErrorCode[] = [
  'InvalidInput',
  'NotFound',
  'Unavailable',
  'Forbidden',
  'Internal',
];

function asCode(code: string): MeshErrorCode {
  return (knownCodes as readonly string[]).includes(code) ? (code as MeshErrorCode) : 'Internal';
}
