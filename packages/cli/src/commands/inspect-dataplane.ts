/**
 * `zmctl inspect dataplane NAME [--mesh M]`: the policies that apply to each inbound and outbound
 * of one Dataplane, and why — from `GET /meshes/{mesh}/dataplanes/{name}/policies` (Kuma's
 * inspect path), which the control plane answers with the same policy engine that decides
 * traffic. The table form reads like `kumactl inspect dataplane`; `-o json|yaml` prints the answer.
 */
import { MeshError } from '@zonemesh/api';
import * as z from 'zod';
import { type Command, ExitCode, UsageError } from '../command.js';
import { createControlPlaneClient } from '../cp-client.js';
import { printStructured } from '../output-format.js';

/** The answer, checked because it comes from the network. */
const DataplanePoliciesSchema = z.object({
  total: z.number(),
  kind: z.string(),
  mesh: z.string(),
  name: z.string(),
  zone: z.string(),
  mtls: z.boolean(),
  items: z.array(
    z.object({
      type: z.enum(['inbound', 'outbound']),
      name: z.string(),
      service: z.string(),
      tags: z.record(z.string(), z.string()),
      matchedPolicies: z.record(z.string(), z.array(z.object({ name: z.string() }).loose())),
      reasons: z.record(z.string(), z.string()),
    }),
  ),
});

type DataplanePolicies = z.infer<typeof DataplanePoliciesSchema>;

/** Kinds in reading order: who may connect, where calls go, how they are checked. */
const kindOrder = [
  'MeshTrafficPermission',
  'TrafficPermission',
  'TrafficRoute',
  'HealthCheck',
  'MeshHealthCheck',
];

/** The table form: one block per attachment, each kind with its policies and the reason. */
export function formatDataplanePolicies(answer: DataplanePolicies): string {
  const lines = [
    `DATAPLANE ${answer.name} (mesh ${answer.mesh}, zone ${answer.zone}, mTLS ${answer.mtls ? 'on' : 'off'})`,
  ];
  if (!answer.mtls) lines.push('mTLS is off: permissions below would apply but traffic is not checked.');
  if (answer.items.length === 0) lines.push('', 'no inbounds or outbounds');
  for (const item of answer.items) {
    lines.push('', `${item.type.toUpperCase()} ${item.name} (${item.service || '-'}):`);
    const kinds = kindOrder.filter((kind) => kind in item.reasons || kind in item.matchedPolicies);
    for (const kind of kinds) {
      const names = (item.matchedPolicies[kind] ?? []).map((policy) => policy.name);
      lines.push(`  ${kind}`);
      lines.push(...(names.length === 0 ? ['    none'] : names.map((name) => `    ${name}`)));
      const reason = item.reasons[kind];
      if (reason !== undefined) lines.push(`    why: ${reason}`);
    }
  }
  return `${lines.join('\n')}\n`;
}

/** `zmctl inspect dataplane`. */
export const inspectDataplaneCommand: Command = {
  name: 'inspect dataplane',
  summary: 'show the policies that apply to each inbound and outbound of a dataplane, and why',
  synopsis: 'NAME [--mesh M] [-o table|yaml|json] [--cp URL]',
  description: [
    'Shows, for each inbound of the Dataplane, the TrafficPermission or MeshTrafficPermissions that',
    'decide who may connect to it, and for each outbound the TrafficRoute, HealthCheck and',
    'MeshHealthCheck that apply, each with the reason. Asks the control plane',
    '(GET /meshes/{mesh}/dataplanes/{name}/policies); on global, Dataplanes from zones are named',
    '<zone>.<name>. -o json prints Kuma\'s {"total","kind","items":[{"type","name","matchedPolicies"}]}',
    'with "service", "tags" and "reasons" per item.',
  ].join('\n'),
  flags: {
    mesh: { type: 'string', valueName: 'M', description: 'mesh (default "default")' },
  },
  acceptsArgs: true,
  async run({ options, flags, args, io }) {
    const [name, ...extra] = args;
    if (name === undefined || name === '') throw new UsageError('missing the dataplane NAME');
    if (extra.length > 0)
      throw new UsageError(`unexpected argument "${extra[0] ?? ''}": give one dataplane NAME`);
    const mesh = typeof flags.mesh === 'string' ? flags.mesh : 'default';
    if (mesh === '') throw new UsageError('--mesh: must not be empty');
    const client = await createControlPlaneClient(options);
    const path = `/meshes/${encodeURIComponent(mesh)}/dataplanes/${encodeURIComponent(name)}/policies`;
    const { body } = await client.request('GET', path);
    const answer = DataplanePoliciesSchema.safeParse(body);
    if (!answer.success) {
      throw new MeshError('Internal', `the control plane answered GET ${path} with something unexpected`);
    }
    if (printStructured(io, options.output, body)) return ExitCode.ok;
    io.out(formatDataplanePolicies(answer.data));
    return ExitCode.ok;
  },
};
