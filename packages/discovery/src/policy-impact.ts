/**
 * Which proxies a policy can change, so that a policy write recomputes only those. Inbound
 * policies (TrafficPermission, MeshTrafficPermission) change the proxies that serve the services
 * they select; outbound policies (HealthCheck, TrafficRoute, MeshHealthCheck) the proxies that
 * call the services they name. A selector that does not pin `kuma.io/service` to one value
 * reaches the whole mesh. Both the old and the new version of a policy are looked at.
 */
import type { ResourceType } from '@zonemesh/api';

const serviceTag = 'kuma.io/service';

/** The proxies a policy can change: the providers or the consumers of some services, or all. */
export interface PolicyImpact {
  readonly side: 'providers' | 'consumers';
  /** Service names, or `all` for every proxy of the mesh. */
  readonly services: readonly string[] | 'all';
}

/** The impact of one version of a policy; undefined for kinds that are not policies. */
export function policyImpact(type: ResourceType, spec: unknown): PolicyImpact | undefined {
  const record = isRecord(spec) ? spec : {};
  switch (type) {
    case 'TrafficPermission':
      return { side: 'providers', services: selectorServices(record['destinations']) };
    case 'HealthCheck':
    case 'TrafficRoute':
      return { side: 'consumers', services: selectorServices(record['destinations']) };
    case 'MeshTrafficPermission':
      return { side: 'providers', services: targetRefServices(record['targetRef']) };
    case 'MeshHealthCheck': {
      const to = Array.isArray(record['to']) ? record['to'] : [];
      const services = new Set<string>();
      for (const item of to) {
        const found = targetRefServices(isRecord(item) ? item['targetRef'] : undefined);
        if (found === 'all') return { side: 'consumers', services: 'all' };
        for (const service of found) services.add(service);
      }
      return { side: 'consumers', services: [...services] };
    }
    default:
      return undefined;
  }
}

/** Services named exactly by every entry of a `destinations` list, or `all`. */
function selectorServices(entries: unknown): readonly string[] | 'all' {
  if (!Array.isArray(entries)) return 'all';
  const services = new Set<string>();
  for (const entry of entries) {
    const match = isRecord(entry) && isRecord(entry['match']) ? entry['match'] : {};
    const service = match[serviceTag];
    if (typeof service !== 'string' || service === '*') return 'all';
    services.add(service);
  }
  return [...services];
}

/** The service a targetRef names (MeshService, MeshServiceSubset), or `all` for broader kinds. */
function targetRefServices(ref: unknown): readonly string[] | 'all' {
  if (!isRecord(ref)) return 'all';
  const kind = ref['kind'];
  const name = ref['name'];
  if ((kind === 'MeshService' || kind === 'MeshServiceSubset') && typeof name === 'string' && name !== '') {
    return [name];
  }
  return 'all';
}

function isRecord(value: unknown): value is Readonly<Record<string, unknown>> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
