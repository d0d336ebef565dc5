/**
 * Which active check a MeshHealthCheck configures for a destination, by the destination's
 * protocol (Kuma `selectHealthCheckType`): the protocol's own section when present and not
 * disabled; for http/http2/grpc whose section is disabled, tcp as a fallback when it is present
 * and not disabled; otherwise no check (an http service with only a `tcp` section gets none).
 */
import { isRecord } from './compiled-policy.js';
import type { Tags } from './selector.js';

/** The kinds of active check. */
export type HealthCheckType = 'http' | 'tcp' | 'grpc';

/** The tag carrying a service's protocol; absent means tcp. */
export const protocolTag = 'kuma.io/protocol';

/** Selects the check type for merged MeshHealthCheck settings and a destination's tags. */
export function selectHealthCheckType(conf: unknown, destination: Tags): HealthCheckType | null {
  const protocol = destination[protocolTag] ?? 'tcp';
  const settings = isRecord(conf) ? conf : {};
  const http = sectionState(settings['http']);
  const grpc = sectionState(settings['grpc']);
  const tcp = sectionState(settings['tcp']);
  const isHttp = protocol === 'http' || protocol === 'http2';
  if (isHttp && http === 'enabled') return 'http';
  if (protocol === 'grpc' && grpc === 'enabled') return 'grpc';
  if (protocol === 'tcp' && tcp === 'enabled') return 'tcp';
  if (isHttp && http === 'disabled' && tcp === 'enabled') return 'tcp';
  if (protocol === 'grpc' && grpc === 'disabled' && tcp === 'enabled') return 'tcp';
  return null;
}

function sectionState(section: unknown): 'absent' | 'enabled' | 'disabled' {
  if (section === undefined || section === null) return 'absent';
  return isRecord(section) && section['disabled'] === true ? 'disabled' : 'enabled';
}
