/**
 * The CustomResourceDefinitions of every kind (`kuma.io/v1alpha1`), generated from the kinds' zod
 * schemas with `z.toJSONSchema` and made structural, as Kubernetes requires: every node typed,
 * free-form maps marked `x-kubernetes-preserve-unknown-fields`, unions the API server cannot type
 * left open, `nullable` everywhere below `spec` (Kuma files write empty fields as null), and no
 * defaults (the API server would write them into objects). What a schema cannot say — Kuma's
 * rules across fields, tag syntax, durations — the validating webhook checks with the same code
 * as the REST API. `deploy/crds/` holds the output; a test fails when it is stale.
 */
import {
  DataplaneSpecSchema,
  HealthCheckSpecSchema,
  kindDescriptors,
  kubernetesApiVersion,
  MeshHealthCheckSpecSchema,
  MeshSpecSchema,
  MeshTrafficPermissionSpecSchema,
  type ResourceType,
  TrafficPermissionSpecSchema,
  TrafficRouteSpecSchema,
  ZoneIngressSpecSchema,
  ZoneSpecSchema,
} from '@zonemesh/api';
import * as z from 'zod';

/** The CRDs' API group. */
export const kumaGroup = 'kuma.io';
/** The CRDs' version. */
export const kumaVersion = 'v1alpha1';

const specSchemas: { readonly [T in ResourceType]: z.ZodType } = {
  Mesh: MeshSpecSchema,
  Dataplane: DataplaneSpecSchema,
  ZoneIngress: ZoneIngressSpecSchema,
  Zone: ZoneSpecSchema,
  TrafficPermission: TrafficPermissionSpecSchema,
  HealthCheck: HealthCheckSpecSchema,
  TrafficRoute: TrafficRouteSpecSchema,
  MeshTrafficPermission: MeshTrafficPermissionSpecSchema,
  MeshHealthCheck: MeshHealthCheckSpecSchema,
};

/** The lowercase plural Kubernetes uses in URLs and CRD names (`meshes`, `trafficpermissions`). */
export function kubernetesPlural(type: ResourceType): string {
  const lower = type.toLowerCase();
  return /(s|sh|ch|x)$/.test(lower) ? `${lower}es` : `${lower}s`;
}

/** The kind of a Kubernetes plural, or undefined. */
export function typeOfPlural(plural: string): ResourceType | undefined {
  return kindDescriptors.find((descriptor) => kubernetesPlural(descriptor.type) === plural)?.type;
}

/** `/apis/kuma.io/v1alpha1/<plural>`: every kuma.io object of a kind is cluster-scoped. */
export function kumaCollectionPath(type: ResourceType): string {
  return `/apis/${kubernetesApiVersion}/${kubernetesPlural(type)}`;
}

type JsonSchema = Record<string, unknown>;

/** The structural OpenAPI v3 schema of a kind's whole object (apiVersion, kind, metadata, mesh, spec). */
export function openApiSchemaFor(type: ResourceType): JsonSchema {
  const descriptor = kindDescriptors.find((candidate) => candidate.type === type);
  const generated = z.toJSONSchema(specSchemas[type], {
    io: 'output',
    target: 'openapi-3.0',
    reused: 'inline',
    unrepresentable: 'any',
  }) as JsonSchema;
  const spec = structural(generated, false);
  return {
    type: 'object',
    description: `Kuma ${type}${descriptor?.scope === 'mesh' ? ' (mesh-scoped: the mesh is `mesh` or the kuma.io/mesh label, default "default")' : ''}.`,
    properties: {
      apiVersion: { type: 'string' },
      kind: { type: 'string' },
      metadata: { type: 'object' },
      ...(descriptor?.scope === 'mesh' ? { mesh: { type: 'string' } } : {}),
      spec,
    },
  };
}

/** One kind's CustomResourceDefinition. */
export function customResourceDefinition(type: ResourceType): Record<string, unknown> {
  const plural = kubernetesPlural(type);
  const meshScoped = kindDescriptors.find((candidate) => candidate.type === type)?.scope === 'mesh';
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: {
      name: `${plural}.${kumaGroup}`,
      labels: { 'app.kubernetes.io/part-of': 'zonemesh' },
    },
    spec: {
      group: kumaGroup,
      scope: 'Cluster',
      names: {
        kind: type,
        listKind: `${type}List`,
        plural,
        singular: type.toLowerCase(),
        categories: ['kuma'],
      },
      versions: [
        {
          name: kumaVersion,
          served: true,
          storage: true,
          schema: { openAPIV3Schema: openApiSchemaFor(type) },
          ...(meshScoped
            ? {
                additionalPrinterColumns: [
                  { name: 'Mesh', type: 'string', jsonPath: '.mesh' },
                  { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
                ],
              }
            : {}),
        },
      ],
    },
  };
}

/** Every kind's CRD, in the api's kind order. */
export function customResourceDefinitions(): Array<Record<string, unknown>> {
  return kindDescriptors.map((descriptor) => customResourceDefinition(descriptor.type));
}

const scalarKeywords = [
  'enum',
  'minimum',
  'maximum',
  'minLength',
  'maxLength',
  'minItems',
  'maxItems',
] as const;

/** A JSON Schema node as a structural schema node (see the module comment). */
function structural(node: JsonSchema, nullable: boolean): JsonSchema {
  const out = structuralNode(node);
  // An untyped (open) node takes null anyway; `nullable` needs a type.
  return nullable && out.type !== undefined ? { ...out, nullable: true } : out;
}

function structuralNode(node: JsonSchema): JsonSchema {
  const union = (node.anyOf ?? node.oneOf) as JsonSchema[] | undefined;
  if (union !== undefined) {
    const members = union.filter((member) => member.type !== 'null' && member.nullable !== true);
    if (members.length === 1 && members[0] !== undefined) return structuralNode(members[0]);
    const types = new Set(members.map((member) => member.type));
    if (types.size === 2 && types.has('string') && (types.has('integer') || types.has('number'))) {
      return { 'x-kubernetes-int-or-string': true };
    }
    return { 'x-kubernetes-preserve-unknown-fields': true };
  }
  if (node.const !== undefined)
    return { type: typeof node.const === 'number' ? 'number' : typeof node.const, enum: [node.const] };
  const type = node.type;
  if (type === 'object') {
    const properties = node.properties as Record<string, JsonSchema> | undefined;
    const additional = node.additionalProperties;
    if (properties !== undefined && Object.keys(properties).length > 0) {
      return {
        type: 'object',
        properties: Object.fromEntries(
          Object.entries(properties).map(([key, value]) => [key, structural(value, true)]),
        ),
      };
    }
    if (typeof additional === 'object' && additional !== null && Object.keys(additional).length > 0) {
      return { type: 'object', additionalProperties: structural(additional as JsonSchema, false) };
    }
    if (additional === false) return { type: 'object' };
    return { type: 'object', 'x-kubernetes-preserve-unknown-fields': true };
  }
  if (type === 'array') {
    const items = node.items as JsonSchema | undefined;
    return {
      type: 'array',
      items:
        items === undefined ? { 'x-kubernetes-preserve-unknown-fields': true } : structural(items, false),
      ...pick(node, ['minItems', 'maxItems']),
    };
  }
  if (type === 'string' || type === 'integer' || type === 'number' || type === 'boolean') {
    return { type, ...pick(node, scalarKeywords) };
  }
  return { 'x-kubernetes-preserve-unknown-fields': true };
}

function pick(node: JsonSchema, keys: readonly string[]): JsonSchema {
  const out: JsonSchema = {};
  for (const key of keys) {
    if (node[key] !== undefined) out[key] = node[key];
  }
  return out;
}
