/**
 * Admission for the fake Kubernetes API: on create, update and delete it posts `AdmissionReview`
 * (admission.k8s.io/v1) requests to the webhooks of the stored Mutating- and
 * ValidatingWebhookConfiguration objects whose rules and selectors match, applies the JSONPatch
 * answers of mutating ones, and refuses the request when a webhook denies it (status code at
 * least 400, message `admission webhook "NAME" denied the request: ...`, as the real API server).
 */
import { randomUUID } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { FakeKubeError, type FakeResourceType, type KubeObject } from './fake-kube-storage.js';

/** What a webhook is asked about. */
export interface AdmissionAttributes {
  readonly operation: 'CREATE' | 'UPDATE' | 'DELETE';
  readonly type: FakeResourceType;
  readonly namespace: string | undefined;
  readonly name: string;
  readonly object: KubeObject | undefined;
  readonly oldObject: KubeObject | undefined;
  /** Labels of the object's namespace (for `namespaceSelector`). */
  readonly namespaceLabels: Record<string, string> | undefined;
  /** Who asks (from the bearer token). */
  readonly username: string;
}

interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: Array<{ key: string; operator: string; values?: string[] }>;
}

interface WebhookEntry {
  name?: string;
  clientConfig?: {
    url?: string;
    caBundle?: string;
    service?: { namespace?: string; name?: string; path?: string; port?: number };
  };
  rules?: Array<{
    apiGroups?: string[];
    apiVersions?: string[];
    resources?: string[];
    operations?: string[];
  }>;
  namespaceSelector?: LabelSelector;
  objectSelector?: LabelSelector;
  failurePolicy?: 'Fail' | 'Ignore';
  timeoutSeconds?: number;
}

/** Resolves a webhook `clientConfig.service` to a base URL (`https://127.0.0.1:PORT`). */
export type ServiceResolver = (namespace: string, name: string, port: number) => string | undefined;

/**
 * Runs mutating webhooks (in configuration order), then validating ones, for one request.
 * Returns the object to store (patched), or throws {@link FakeKubeError} when denied.
 */
export async function admit(
  attributes: AdmissionAttributes,
  configurations: { mutating: KubeObject[]; validating: KubeObject[] },
  resolveService: ServiceResolver | undefined,
): Promise<KubeObject | undefined> {
  let object = attributes.object;
  for (const hook of webhooksOf(configurations.mutating)) {
    if (!applies(hook, { ...attributes, object })) continue;
    const response = await review(hook, { ...attributes, object }, resolveService);
    if (response === undefined) continue;
    if (response.allowed !== true) throw denied(hook, response);
    if (typeof response.patch === 'string' && object !== undefined) {
      const operations = JSON.parse(Buffer.from(response.patch, 'base64').toString('utf8')) as unknown;
      object = applyJsonPatch(object, operations);
    }
  }
  for (const hook of webhooksOf(configurations.validating)) {
    if (!applies(hook, { ...attributes, object })) continue;
    const response = await review(hook, { ...attributes, object }, resolveService);
    if (response !== undefined && response.allowed !== true) throw denied(hook, response);
  }
  return object;
}

function webhooksOf(configurations: KubeObject[]): WebhookEntry[] {
  return configurations.flatMap((configuration) =>
    Array.isArray(configuration.webhooks) ? (configuration.webhooks as WebhookEntry[]) : [],
  );
}

function applies(hook: WebhookEntry, attributes: AdmissionAttributes): boolean {
  const { type, operation } = attributes;
  const ruleMatches = (hook.rules ?? []).some(
    (rule) =>
      matchesList(rule.apiGroups, type.group) &&
      matchesList(rule.apiVersions, type.version) &&
      matchesList(rule.resources, type.plural) &&
      matchesList(rule.operations, operation),
  );
  if (!ruleMatches) return false;
  if (hook.namespaceSelector !== undefined && type.namespaced) {
    if (!selects(hook.namespaceSelector, attributes.namespaceLabels ?? {})) return false;
  }
  if (hook.objectSelector !== undefined) {
    const labels = (attributes.object ?? attributes.oldObject)?.metadata?.labels ?? {};
    if (!selects(hook.objectSelector, labels)) return false;
  }
  return true;
}

function matchesList(values: string[] | undefined, value: string): boolean {
  return values === undefined || values.includes('*') || values.includes(value);
}

/** Whether `labels` match a `metav1.LabelSelector`. */
export function selects(selector: LabelSelector, labels: Record<string, string>): boolean {
  for (const [key, value] of Object.entries(selector.matchLabels ?? {})) {
    if (labels[key] !== value) return false;
  }
  for (const expression of selector.matchExpressions ?? []) {
    const has = Object.hasOwn(labels, expression.key);
    const value = labels[expression.key] ?? '';
    const values = expression.values ?? [];
    const ok =
      expression.operator === 'In'
        ? has && values.includes(value)
        : expression.operator === 'NotIn'
          ? !has || !values.includes(value)
          : expression.operator === 'Exists'
            ? has
            : expression.operator === 'DoesNotExist'
              ? !has
              : false;
    if (!ok) return false;
  }
  return true;
}

interface ReviewResponse {
  allowed?: boolean;
  patch?: string;
  status?: { code?: number; message?: string; reason?: string; details?: Record<string, unknown> };
}

async function review(
  hook: WebhookEntry,
  attributes: AdmissionAttributes,
  resolveService: ServiceResolver | undefined,
): Promise<ReviewResponse | undefined> {
  const url = webhookUrl(hook, resolveService);
  const uid = randomUUID();
  const body = JSON.stringify({
    apiVersion: 'admission.k8s.io/v1',
    kind: 'AdmissionReview',
    request: {
      uid,
      kind: { group: attributes.type.group, version: attributes.type.version, kind: attributes.type.kind },
      resource: {
        group: attributes.type.group,
        version: attributes.type.version,
        resource: attributes.type.plural,
      },
      name: attributes.name,
      ...(attributes.namespace === undefined ? {} : { namespace: attributes.namespace }),
      operation: attributes.operation,
      userInfo: { username: attributes.username, groups: ['system:authenticated'] },
      object: attributes.object ?? null,
      oldObject: attributes.oldObject ?? null,
      dryRun: false,
    },
  });
  try {
    const answer = await post(url, body, hook.clientConfig?.caBundle, (hook.timeoutSeconds ?? 10) * 1_000);
    const parsed = JSON.parse(answer) as { response?: ReviewResponse & { uid?: string } };
    if (parsed.response?.uid !== uid) throw new Error('the review answered another uid');
    return parsed.response;
  } catch (err) {
    if (hook.failurePolicy === 'Ignore') return undefined;
    throw new FakeKubeError(
      500,
      'InternalError',
      `Internal error occurred: failed calling webhook "${hook.name}": ${(err as Error).message}`,
    );
  }
}

function webhookUrl(hook: WebhookEntry, resolveService: ServiceResolver | undefined): string {
  const config = hook.clientConfig ?? {};
  if (config.url !== undefined) return config.url;
  const service = config.service;
  const base =
    service === undefined
      ? undefined
      : resolveService?.(service.namespace ?? '', service.name ?? '', service.port ?? 443);
  if (base === undefined) {
    throw new FakeKubeError(
      500,
      'InternalError',
      `failed calling webhook "${hook.name}": the fake API cannot reach service ${service?.namespace}/${service?.name} (pass resolveService)`,
    );
  }
  return `${base}${service?.path ?? ''}`;
}

function post(url: string, body: string, caBundle: string | undefined, timeoutMs: number): Promise<string> {
  const target = new URL(url);
  const send = target.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = send(
      target,
      {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
        timeout: timeoutMs,
        ...(caBundle === undefined ? {} : { ca: Buffer.from(caBundle, 'base64').toString('utf8') }),
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          if ((res.statusCode ?? 0) >= 300)
            reject(new Error(`the webhook answered ${res.statusCode}: ${text}`));
          else resolve(text);
        });
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', reject);
    req.end(body);
  });
}

function denied(hook: WebhookEntry, response: ReviewResponse): FakeKubeError {
  const message = response.status?.message ?? 'without explanation';
  return new FakeKubeError(
    Math.max(400, response.status?.code ?? 400),
    response.status?.reason ?? 'BadRequest',
    `admission webhook "${hook.name}" denied the request: ${message}`,
    response.status?.details,
  );
}

/** Applies RFC 6902 operations (add, remove, replace, test) to a copy of `target`. */
export function applyJsonPatch(target: KubeObject, operations: unknown): KubeObject {
  if (!Array.isArray(operations)) throw new FakeKubeError(400, 'BadRequest', 'the patch is not a list');
  const document = { root: structuredClone(target) as unknown };
  for (const raw of operations as Array<{ op?: string; path?: string; value?: unknown }>) {
    const tokens = (raw.path ?? '')
      .split('/')
      .slice(1)
      .map((token) => token.replaceAll('~1', '/').replaceAll('~0', '~'));
    let parent: unknown = document;
    let last = 'root';
    for (const token of tokens) {
      parent = (parent as Record<string, unknown>)[last];
      if (typeof parent !== 'object' || parent === null) {
        throw new FakeKubeError(422, 'Invalid', `the patch path ${raw.path} does not exist`);
      }
      last = token;
    }
    const container = parent as Record<string, unknown> | unknown[];
    if (Array.isArray(container)) {
      const index = last === '-' ? container.length : Number(last);
      if (raw.op === 'add') container.splice(index, 0, structuredClone(raw.value));
      else if (raw.op === 'remove') container.splice(index, 1);
      else if (raw.op === 'replace') container[index] = structuredClone(raw.value);
      else if (raw.op !== 'test') throw new FakeKubeError(422, 'Invalid', `unsupported patch op ${raw.op}`);
    } else if (raw.op === 'add' || raw.op === 'replace') {
      container[last] = structuredClone(raw.value);
    } else if (raw.op === 'remove') {
      delete container[last];
    } else if (raw.op !== 'test') {
      throw new FakeKubeError(422, 'Invalid', `unsupported patch op ${raw.op}`);
    }
  }
  return document.root as KubeObject;
}
