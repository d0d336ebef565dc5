/**
 * `zmctl get KIND [NAME] [--mesh M]`: lists a kind, or shows one resource, from the control plane.
 * Table output by default (columns chosen per kind); `-o yaml|json` prints Kuma's Universal form
 * (a list as `{"total","items","next"}`, every page fetched).
 */
import { findDescriptor, isMeshScoped, resourceTypes, type KindDescriptor } from '@zonemesh/api';
import { type Command, ExitCode, UsageError } from '../command.js';
import { createControlPlaneClient, resourcePath, type ResourceJson } from '../cp-client.js';
import { formatTable, printStructured } from '../output-format.js';

interface Column {
  readonly header: string;
  cell(item: ResourceJson, now: number): string;
}

const meshColumn: Column = { header: 'MESH', cell: (item) => text(item.mesh) };
const nameColumn: Column = { header: 'NAME', cell: (item) => text(item.name) };
const ageColumn: Column = { header: 'AGE', cell: (item, now) => age(item.creationTime, now) };

/** Columns for each kind, besides MESH (mesh-scoped kinds), NAME and AGE. */
const extraColumns: Readonly<Record<string, readonly Column[]>> = {
  Mesh: [
    {
      header: 'MTLS',
      cell: (item) => {
        const mtls = record(item.mtls);
        return typeof mtls.enabledBackend === 'string' && mtls.enabledBackend !== ''
          ? mtls.enabledBackend
          : 'off';
      },
    },
  ],
  Dataplane: [
    {
      header: 'SERVICES',
      cell: (item) => {
        const inbound = list(record(item.networking).inbound);
        const services = new Set(inbound.map((entry) => text(record(record(entry).tags)['kuma.io/service'])));
        return [...services].join(',') || '-';
      },
    },
    { header: 'ADDRESS', cell: (item) => text(record(item.networking).address) },
    { header: 'ZONE', cell: (item) => text(record(item.labels)['kuma.io/zone']) },
  ],
  ZoneIngress: [
    { header: 'ZONE', cell: (item) => text(item.zone ?? record(item.labels)['kuma.io/zone']) },
    {
      header: 'ADDRESS',
      cell: (item) => hostPort(record(item.networking).address, record(item.networking).port),
    },
    {
      header: 'ADVERTISED',
      cell: (item) =>
        hostPort(record(item.networking).advertisedAddress, record(item.networking).advertisedPort),
    },
    { header: 'SERVICES', cell: (item) => String(list(item.availableServices).length) },
  ],
  Zone: [{ header: 'ENABLED', cell: (item) => (item.enabled === false ? 'false' : 'true') }],
  MeshTrafficPermission: [{ header: 'TARGET', cell: (item) => targetRef(record(item.spec).targetRef) }],
  MeshHealthCheck: [{ header: 'TARGET', cell: (item) => targetRef(record(item.spec).targetRef) }],
};

function columnsOf(descriptor: KindDescriptor): Column[] {
  const scoped = isMeshScoped(descriptor.type);
  return [...(scoped ? [meshColumn] : []), nameColumn, ...(extraColumns[descriptor.type] ?? []), ageColumn];
}

export const getCommand: Command = {
  name: 'get',
  summary: 'list resources of a kind, or show one',
  synopsis: 'KIND [NAME] [--mesh M] [-o table|yaml|json] [--cp URL]',
  description: [
    'Lists the resources of a kind, or shows one. KIND is a kind, its REST plural or a short name',
    '(TrafficPermission, traffic-permissions, tp, dataplanes, zones, ...). A list of a mesh-scoped kind',
    'spans every mesh unless --mesh is given; one resource is read from --mesh (default "default").',
    '-o yaml|json prints Kuma Universal form.',
  ].join('\n'),
  flags: {
    mesh: {
      type: 'string',
      short: 'm',
      valueName: 'M',
      description: 'mesh of a mesh-scoped kind (lists: every mesh; one resource: "default")',
    },
  },
  acceptsArgs: true,
  async run({ options, flags, args, io }) {
    const [kind, name, ...extra] = args;
    if (kind === undefined) throw new UsageError('missing KIND (e.g. zmctl get traffic-permissions)');
    if (extra.length > 0) throw new UsageError(`unexpected argument "${extra[0]}"`);
    const descriptor = findDescriptor(kind);
    if (descriptor === undefined) {
      throw new UsageError(`unknown kind "${kind}"; supported kinds: ${resourceTypes.join(', ')}`);
    }
    const mesh = flags.mesh as string | undefined;
    if (!isMeshScoped(descriptor.type) && mesh !== undefined) {
      throw new UsageError(`${descriptor.type} is not mesh-scoped: drop --mesh`);
    }
    const target = mesh === undefined ? {} : { mesh };
    const client = await createControlPlaneClient(options);
    const now = Date.now();
    const columns = columnsOf(descriptor);
    const row = (item: ResourceJson) => columns.map((column) => column.cell(item, now));
    const headers = columns.map((column) => column.header);

    if (name !== undefined) {
      const { body } = await client.request('GET', resourcePath(descriptor, { ...target, name }));
      if (!printStructured(io, options.output, body)) io.out(formatTable(headers, [row(record(body))]));
      return ExitCode.ok;
    }
    // Without --mesh a list spans every mesh (the MESH column tells them apart).
    const listPath =
      mesh === undefined && isMeshScoped(descriptor.type)
        ? `/${descriptor.plural}`
        : resourcePath(descriptor, target);
    const items = await client.listAll(listPath);
    if (!printStructured(io, options.output, { total: items.length, items, next: null })) {
      io.out(formatTable(headers, items.map(row)));
    }
    return ExitCode.ok;
  },
};

function record(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : {};
}

function list(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

function text(value: unknown): string {
  return typeof value === 'string' && value !== '' ? value : typeof value === 'number' ? String(value) : '-';
}

function hostPort(host: unknown, port: unknown): string {
  if (host === undefined && port === undefined) return '-';
  return `${text(host)}:${text(port)}`;
}

function targetRef(value: unknown): string {
  const ref = record(value);
  if (typeof ref.kind !== 'string') return 'Mesh';
  return typeof ref.name === 'string' ? `${ref.kind}/${ref.name}` : ref.kind;
}

/** Age like kubectl: `45s`, `12m`, `3h`, `5d`. */
export function age(creationTime: unknown, now: number): string {
  if (typeof creationTime !== 'string') return '-';
  const created = Date.parse(creationTime);
  if (Number.isNaN(created)) return '-';
  const seconds = Math.max(0, Math.floor((now - created) / 1000));
  if (seconds < 120) return `${seconds}s`;
  if (seconds < 7_200) return `${Math.floor(seconds / 60)}m`;
  if (seconds < 172_800) return `${Math.floor(seconds / 3_600)}h`;
  return `${Math.floor(seconds / 86_400)}d`;
}
