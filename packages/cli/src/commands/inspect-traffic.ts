/**
 * `zmctl inspect traffic --mesh M --source TAGS --destination TAGS [-f FILE...]`: what the
 * TrafficPermissions and MeshTrafficPermissions decide for a client and a destination inbound, the
 * deciding policy and why. With `-f` it works offline on the resources in the files (mTLS taken as
 * enabled unless a Mesh in the files says otherwise; documents without a `creationTime` count as
 * created in file order); without, it asks the control plane
 * (`POST /meshes/{mesh}/_inspect/traffic`).
 */
import { readFile } from 'node:fs/promises';
import { decodeDocuments, type FieldError, isMeshScoped, MeshError, type NewResource } from '@zonemesh/api';
import { createPolicyEngine, type TrafficDecision } from '@zonemesh/policy';
import * as z from 'zod';
import { type CliIo, type Command, ExitCode, UsageError } from '../command.js';
import { createControlPlaneClient } from '../cp-client.js';
import { printStructured } from '../output-format.js';

/** Tag names and values as Kuma allows them in selectors and dataplane tags. */
const tagName = /^[a-zA-Z0-9.\-_:/]+$/;
const tagValue = /^[a-zA-Z0-9.\-_:]+$/;

/**
 * Parses `kuma.io/service=web,version=v1` into a tag map. Throws a usage error naming the flag
 * when an item is not `name=value`, a name or value has characters Kuma refuses, or a name repeats.
 */
export function parseTags(flag: string, text: string): Record<string, string> {
  const tags: Record<string, string> = {};
  for (const item of text.split(',')) {
    const trimmed = item.trim();
    const at = trimmed.indexOf('=');
    const name = trimmed.slice(0, at);
    const value = trimmed.slice(at + 1);
    if (at <= 0 || value === '') throw new UsageError(`${flag}: "${trimmed}" is not name=value`);
    if (!tagName.test(name))
      throw new UsageError(`${flag}: tag name "${name}" has characters Kuma does not allow`);
    if (!tagValue.test(value)) {
      throw new UsageError(`${flag}: tag value "${value}" has characters Kuma does not allow`);
    }
    if (name in tags) throw new UsageError(`${flag}: tag "${name}" is given twice`);
    tags[name] = value;
  }
  return tags;
}

/** What the control plane answers; checked because it comes from the network. */
const TrafficDecisionSchema = z.object({
  decision: z.enum(['ALLOW', 'DENY', 'SHADOW']),
  policy: z
    .object({ type: z.enum(['TrafficPermission', 'MeshTrafficPermission']), name: z.string() })
    .nullable(),
  reason: z.string(),
});

/** One file's text: `-` reads stdin. */
async function readSource(file: string, io: CliIo): Promise<string> {
  if (file === '-') return io.readStdin();
  try {
    return await readFile(file, 'utf8');
  } catch (err) {
    const reason = (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message;
    throw new MeshError('InvalidInput', `cannot read ${file}: ${reason}`);
  }
}

/**
 * Decodes every file; refuses the lot (naming each bad document) when any document is invalid.
 * Documents without a creation time get one in file order, each later than the one before.
 */
async function readResources(files: readonly string[], io: CliIo): Promise<NewResource[]> {
  const resources: NewResource[] = [];
  const problems: FieldError[] = [];
  const base = Date.now();
  let position = 0;
  for (const file of files) {
    for (const document of decodeDocuments(await readSource(file, io))) {
      const what = `${file}#${document.index}${document.type === undefined ? '' : ` ${document.type}/${document.name ?? '?'}`}`;
      for (const error of document.errors) {
        problems.push({
          field: error.field === '' ? what : `${what}: ${error.field}`,
          message: error.message,
        });
      }
      const { resource } = document;
      position++;
      if (resource === undefined) continue;
      const creationTime = resource.meta.creationTime ?? new Date(base + position).toISOString();
      resources.push({ ...resource, meta: { ...resource.meta, creationTime } });
    }
  }
  if (problems.length > 0) {
    throw new MeshError('InvalidInput', 'the files have invalid documents (see "zmctl validate")', {
      causes: problems,
    });
  }
  return resources;
}

/** The decision on the resources in the files, without a control plane. */
async function decideOffline(
  files: readonly string[],
  mesh: string,
  source: Record<string, string>,
  destination: Record<string, string>,
  io: CliIo,
): Promise<TrafficDecision> {
  const engine = createPolicyEngine({ mesh, mtlsEnabled: true });
  for (const resource of await readResources(files, io)) {
    const inMesh =
      resource.type === 'Mesh'
        ? resource.meta.name === mesh
        : isMeshScoped(resource.type) && (resource.meta.mesh ?? 'default') === mesh;
    if (inMesh)
      engine.upsert({ ...resource, meta: { ...resource.meta, mesh: resource.meta.mesh ?? 'default' } });
  }
  return engine.decideTraffic({ source, destination });
}

function stringFlag(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

/** `zmctl inspect traffic`. */
export const inspectTrafficCommand: Command = {
  name: 'inspect traffic',
  summary: 'show whether a client may reach a destination, which policy decides and why',
  synopsis: '--source TAGS --destination TAGS [--mesh M] [-f FILE...] [-o table|yaml|json] [--cp URL]',
  description: [
    'Shows what the TrafficPermissions and MeshTrafficPermissions of a mesh decide for a client',
    '(--source, the tags of its inbounds) and a destination inbound (--destination): ALLOW, DENY or',
    'SHADOW (allowed, logged as denied), the deciding policy, and why. TAGS are name=value pairs',
    'separated by commas: kuma.io/service=web,version=v1.',
    'With -f it works offline on the resources in the files ("-" reads stdin): mTLS counts as enabled',
    'unless a Mesh in the files says otherwise, and documents without a creationTime count as',
    'created in file order. Without -f it asks the control plane (--cp).',
    '-o json prints {"decision","policy":{"type","name"}|null,"reason"}.',
  ].join('\n'),
  flags: {
    mesh: { type: 'string', valueName: 'M', description: 'mesh (default "default")' },
    source: { type: 'string', valueName: 'TAGS', description: "the client's tags" },
    destination: { type: 'string', valueName: 'TAGS', description: "the destination inbound's tags" },
    file: {
      type: 'string',
      short: 'f',
      multiple: true,
      valueName: 'FILE',
      description: 'decide offline on these resource files (- for stdin)',
    },
  },
  acceptsArgs: false,
  async run({ options, flags, io }) {
    const mesh = stringFlag(flags.mesh) ?? 'default';
    if (mesh === '') throw new UsageError('--mesh: must not be empty');
    const sourceText = stringFlag(flags.source);
    const destinationText = stringFlag(flags.destination);
    if (sourceText === undefined) throw new UsageError('missing --source TAGS');
    if (destinationText === undefined) throw new UsageError('missing --destination TAGS');
    const source = parseTags('--source', sourceText);
    const destination = parseTags('--destination', destinationText);
    const files = Array.isArray(flags.file) ? flags.file.filter((file) => typeof file === 'string') : [];

    let result: TrafficDecision;
    if (files.length > 0) {
      result = await decideOffline(files, mesh, source, destination, io);
    } else {
      const client = await createControlPlaneClient(options);
      const path = `/meshes/${encodeURIComponent(mesh)}/_inspect/traffic`;
      const { body } = await client.request('POST', path, { body: { source, destination } });
      const answer = TrafficDecisionSchema.safeParse(body);
      if (!answer.success) {
        throw new MeshError('Internal', `the control plane answered POST ${path} with something unexpected`);
      }
      result = answer.data;
    }

    const printed = { decision: result.decision, policy: result.policy, reason: result.reason };
    if (printStructured(io, options.output, printed)) return ExitCode.ok;
    const policy = result.policy === null ? 'none' : `${result.policy.type} ${result.policy.name}`;
    io.out(`decision: ${result.decision}\npolicy:   ${policy}\nreason:   ${result.reason}\n`);
    return ExitCode.ok;
  },
};
