/** Kuma's rules that the corpus does not exercise, kind by kind. */
import { describe, expect, it } from 'vitest';
import type { FieldError } from './errors.js';
import { descriptorFor } from './kind-registry.js';
import type { ResourceType } from './resource.js';

function problems(type: ResourceType, spec: unknown): FieldError[] {
  const result = descriptorFor(type).validate(spec);
  return result.ok ? [] : result.errors;
}

const web = [{ match: { 'kuma.io/service': 'web' } }];
const backend = [{ match: { 'kuma.io/service': 'backend' } }];
const hcConf = { interval: '10s', timeout: '2s', unhealthyThreshold: 3, healthyThreshold: 1 };

describe('selectors', () => {
  it('check tag names and values with Kuma charsets, keys in sorted order', () => {
    expect(
      problems('TrafficPermission', {
        sources: [{ match: { 'z key': 'a', b: 'x y', c: '', 'kuma.io/service': '*' } }],
        destinations: backend,
      }),
    ).toEqual([
      {
        field: 'sources[0].match["b"]',
        message:
          'tag value must consist of alphanumeric characters, dots, dashes, slashes and underscores or be "*"',
      },
      { field: 'sources[0].match["c"]', message: 'tag value must be non-empty' },
      {
        field: 'sources[0].match["z key"]',
        message: 'tag name must consist of alphanumeric characters, dots, dashes, slashes and underscores',
      },
    ]);
  });

  it('require kuma.io/service in sources and only it in destinations of outbound policies', () => {
    expect(
      problems('HealthCheck', {
        sources: [{ match: { region: 'eu' } }],
        destinations: [{ match: { 'kuma.io/service': 'backend', region: 'eu' } }],
        conf: hcConf,
      }),
    ).toEqual([
      { field: 'sources[0].match', message: 'mandatory tag "kuma.io/service" is missing' },
      { field: 'destinations[0].match', message: 'must consist of exactly one tag "kuma.io/service"' },
      { field: 'destinations[0].match["region"]', message: 'tag "region" is not allowed' },
    ]);
  });

  it('report a wrong type at its path', () => {
    expect(
      problems('TrafficPermission', { sources: [{ match: { version: 1 } }], destinations: 'all' }),
    ).toEqual([
      { field: 'sources[0].match["version"]', message: 'must be a string' },
      { field: 'destinations', message: 'must be a list' },
    ]);
  });
});

describe('HealthCheck', () => {
  it('accepts Go durations and refuses other text', () => {
    expect(
      problems('HealthCheck', {
        sources: web,
        destinations: backend,
        conf: { ...hcConf, interval: '1m30s' },
      }),
    ).toEqual([]);
    expect(
      problems('HealthCheck', {
        sources: web,
        destinations: backend,
        conf: { ...hcConf, interval: '10 seconds' },
      }),
    ).toEqual([{ field: 'conf.interval', message: 'must be a valid duration, e.g. 10s, 1m30s or 200ms' }]);
  });
});

describe('TrafficRoute', () => {
  const base = { sources: web, destinations: backend };
  it('needs a destination or a split with some weight', () => {
    expect(problems('TrafficRoute', { ...base, conf: {} })).toEqual([
      { field: 'conf', message: 'requires either "destination" or "split"' },
    ]);
    expect(
      problems('TrafficRoute', { ...base, conf: { split: [{ weight: 0, destination: { version: 'v1' } }] } }),
    ).toEqual([
      { field: 'conf.split[0].destination', message: 'mandatory tag "kuma.io/service" is missing' },
      { field: 'conf.split', message: 'there must be at least one split entry with weight above 0' },
    ]);
    expect(problems('TrafficRoute', base)).toEqual([{ field: 'conf', message: 'cannot be empty' }]);
  });

  it('checks HTTP routes and the load balancer', () => {
    expect(
      problems('TrafficRoute', {
        ...base,
        conf: {
          destination: { 'kuma.io/service': 'backend' },
          http: [{ match: {}, destination: { 'kuma.io/service': 'backend' } }],
          loadBalancer: { ringHash: { hashFunction: 'MD5' } },
        },
      }),
    ).toEqual([
      {
        field: 'conf.http[0].match',
        message: 'must be present and contain at least one of the elements: "method", "path" or "headers"',
      },
      { field: 'conf.loadBalancer.ringHash.hashFunction', message: 'must have a valid hash function' },
    ]);
  });
});

describe('Mesh', () => {
  it('accepts builtin and provided backends, refuses other types', () => {
    expect(
      problems('Mesh', { mtls: { enabledBackend: 'ca', backends: [{ name: 'ca', type: 'provided' }] } }),
    ).toEqual([]);
    expect(
      problems('Mesh', { mtls: { enabledBackend: 'ca', backends: [{ name: 'ca', type: 'vault' }] } }),
    ).toEqual([
      {
        field: 'mtls.backends[0].type',
        message: 'unknown backend type. Available backends: "builtin", "provided"',
      },
    ]);
  });

  it('checks the dpCert rotation format and zone egress', () => {
    expect(
      problems('Mesh', {
        mtls: { backends: [{ name: 'ca', type: 'builtin', dpCert: { rotation: { expiration: 'soon' } } }] },
        routing: { zoneEgress: true },
      }),
    ).toEqual([
      { field: 'mtls.dpcert.rotation.expiration', message: 'has to be a valid format' },
      { field: 'mtls', message: 'has to be set when zoneEgress enabled' },
    ]);
  });

  it('refuses an unknown mTLS mode', () => {
    expect(problems('Mesh', { mtls: { backends: [{ name: 'ca', type: 'builtin', mode: 'LAX' }] } })).toEqual([
      { field: 'mtls.backends[0].mode', message: 'must be one of: STRICT, PERMISSIVE' },
    ]);
  });
});

describe('Dataplane', () => {
  it('checks address, ports and inbound tags', () => {
    expect(
      problems('Dataplane', {
        networking: {
          address: '0.0.0.0',
          inbound: [{ port: 70000, serviceAddress: 'host', tags: { 'kuma.io/service': 'a/b' } }],
          outbound: [{ port: 1, address: 'not-an-ip' }],
        },
      }),
    ).toEqual([
      { field: 'networking.address', message: 'must not be 0.0.0.0 or ::' },
      { field: 'networking.inbound[0].port', message: 'port must be in the range [1, 65535]' },
      { field: 'networking.inbound[0].serviceAddress', message: 'serviceAddress has to be valid IP address' },
      {
        field: 'networking.inbound[0].tags["kuma.io/service"]',
        message: 'tag value must consist of alphanumeric characters, dots, dashes and underscores',
      },
      { field: 'networking.outbound[0].address', message: 'address has to be valid IP address' },
      { field: 'networking.outbound[0].tags', message: 'mandatory tag "kuma.io/service" is missing' },
    ]);
  });

  it('needs networking, and inbounds unless it is a gateway', () => {
    expect(problems('Dataplane', {})).toEqual([{ field: 'networking', message: 'must be defined' }]);
    expect(
      problems('Dataplane', {
        networking: { address: 'web.local', gateway: { tags: { 'kuma.io/service': 'edge' } } },
      }),
    ).toEqual([]);
    expect(
      problems('Dataplane', {
        networking: {
          address: '::1',
          gateway: { tags: {} },
          inbound: [{ port: 1, tags: { 'kuma.io/service': 'x' } }],
        },
      }),
    ).toEqual([
      { field: 'networking.inbound', message: 'inbound cannot be defined for delegated gateways' },
      { field: 'networking.gateway.tags', message: 'mandatory tag "kuma.io/service" is missing' },
    ]);
  });

  it('reports a port of the wrong type', () => {
    expect(problems('Dataplane', { networking: { address: '1.1.1.1', inbound: [{ port: '80x' }] } })).toEqual(
      [{ field: 'networking.inbound[0].port', message: 'must be a number' }],
    );
  });
});

describe('ZoneIngress', () => {
  it('needs the advertised address and port together, and a port', () => {
    expect(problems('ZoneIngress', { networking: { advertisedAddress: 'ingress.example.com' } })).toEqual([
      { field: 'networking.advertisedPort', message: 'has to be defined with advertisedAddress' },
      { field: 'networking.port', message: 'port must be in the range [1, 65535]' },
    ]);
  });
});

describe('Zone', () => {
  it('takes only a boolean enabled', () => {
    expect(problems('Zone', { enabled: false })).toEqual([]);
    expect(problems('Zone', { enabled: 'no' })).toEqual([
      { field: 'enabled', message: 'must be a boolean (true or false)' },
    ]);
  });
});

describe('MeshTrafficPermission', () => {
  it('applies Kuma targetRef rules per kind', () => {
    expect(
      problems('MeshTrafficPermission', {
        targetRef: { kind: 'Mesh', name: 'x', tags: { a: 'b' } },
        from: [
          { targetRef: { kind: 'MeshSubset', name: 'n', tags: { env: '*' } }, default: { action: 'Allow' } },
          { targetRef: { kind: 'MeshServiceSubset', tags: { v: '*' } }, default: { action: 'Deny' } },
          { targetRef: { kind: 'MeshService', name: 'Web' }, default: { action: 'Deny' } },
          { default: { action: 'Allow' } },
        ],
      }),
    ).toEqual([
      { field: 'spec.targetRef.name', message: 'using name with kind Mesh is not yet supported' },
      { field: 'spec.targetRef.tags', message: 'must not be set with kind Mesh' },
      { field: 'spec.from[0].targetRef.name', message: 'must not be set with kind MeshSubset' },
      {
        field: 'spec.from[0].targetRef.tags["env"]',
        message: 'tag value must consist of alphanumeric characters, dots, dashes and underscores',
      },
      { field: 'spec.from[1].targetRef.name', message: 'must be set with kind MeshServiceSubset' },
      {
        field: 'spec.from[2].targetRef.name',
        message: "invalid characters: must consist of lower case alphanumeric characters, '-', '.' and '_'.",
      },
      { field: 'spec.from[3].targetRef.kind', message: 'must be defined' },
    ]);
  });

  it('refuses an unknown action', () => {
    expect(
      problems('MeshTrafficPermission', {
        from: [{ targetRef: { kind: 'Mesh' }, default: { action: 'Maybe' } }],
      }),
    ).toEqual([
      { field: 'spec.from[0].default.action', message: 'must be one of: Allow, Deny, AllowWithShadowDeny' },
    ]);
  });
});

describe('MeshHealthCheck', () => {
  it('checks ranges and paths of the default', () => {
    expect(
      problems('MeshHealthCheck', {
        to: [
          {
            targetRef: { kind: 'Mesh' },
            default: {
              interval: '-1s',
              intervalJitterPercent: 101,
              healthyPanicThreshold: '100.5',
              eventLogPath: '#not_valid_path',
              http: { expectedStatuses: [99] },
            },
          },
        ],
      }),
    ).toEqual([
      { field: 'spec.to[0].default.interval', message: 'must be greater than zero when defined' },
      { field: 'spec.to[0].default.intervalJitterPercent', message: 'must be in inclusive range [0, 100]' },
      {
        field: 'spec.to[0].default.healthyPanicThreshold',
        message: 'must be in inclusive range [0.0, 100.0]',
      },
      { field: 'spec.to[0].default.eventLogPath', message: 'must be a valid path when defined' },
      {
        field: 'spec.to[0].default.http.expectedStatuses[0]',
        message: 'must be in inclusive range [100, 599]',
      },
    ]);
  });

  it('accepts MeshExternalService only under a Mesh top-level targetRef', () => {
    expect(
      problems('MeshHealthCheck', {
        targetRef: { kind: 'MeshSubset', tags: { 'kuma.io/service': 'web' } },
        to: [{ targetRef: { kind: 'MeshExternalService', name: 'httpbin' }, default: { tcp: {} } }],
      }),
    ).toEqual([
      {
        field: 'spec.to[0].targetRef.kind',
        message: 'kind MeshExternalService is only possible with targetRef.kind: Mesh',
      },
    ]);
  });
});
