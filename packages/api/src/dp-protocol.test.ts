import { describe, expect, it } from 'vitest';
import {
  CertificateRequestSchema,
  HealthReportSchema,
  IngressStreamMessageSchema,
  ProxyConfigSchema,
  ProxyStreamMessageSchema,
  RegisterRequestSchema,
  RegisterResponseSchema,
} from './dp-protocol.js';

const config = {
  v: '1',
  version: 'abc',
  mesh: 'default',
  name: 'web-1',
  zone: 'zone-1',
  mtls: { enabled: true, rootsPem: '-----BEGIN CERTIFICATE-----' },
  inbounds: [
    {
      port: 10001,
      address: '127.0.0.1',
      servicePort: 8080,
      serviceAddress: '127.0.0.1',
      tags: { 'kuma.io/service': 'web' },
      permissions: {
        policy: { type: 'TrafficPermission', name: 'allow-all' },
        rules: [{ match: { 'kuma.io/service': '*' }, action: 'Allow' }],
      },
    },
  ],
  outbounds: [
    {
      port: 20001,
      address: '127.0.0.1',
      service: 'backend',
      tags: { 'kuma.io/service': 'backend' },
      endpoints: [
        {
          address: '10.0.0.2',
          port: 10001,
          zone: 'zone-1',
          local: true,
          weight: 1,
          tags: { 'kuma.io/zone': 'zone-1' },
        },
        {
          address: '10.1.0.9',
          port: 10000,
          zone: 'zone-2',
          local: false,
          weight: 3,
          tags: { 'kuma.io/zone': 'zone-2' },
        },
      ],
      sni: 'backend{mesh=default}',
      healthCheck: {
        interval: 10_000,
        timeout: 2_000,
        unhealthyThreshold: 3,
        healthyThreshold: 1,
        type: 'tcp',
        policy: { type: 'HealthCheck', name: 'hc' },
      },
      localityAware: true,
    },
  ],
};

describe('dataplane protocol schemas', () => {
  it('accept a full proxy config and its stream lines', () => {
    expect(ProxyConfigSchema.parse(config)).toEqual(config);
    expect(ProxyStreamMessageSchema.parse({ type: 'config', config }).type).toBe('config');
    expect(ProxyStreamMessageSchema.parse({ type: 'ping' })).toEqual({ type: 'ping' });
    expect(
      IngressStreamMessageSchema.safeParse({
        type: 'config',
        config: { v: '1', version: 'x', name: 'ingress', zone: 'zone-1', routes: [] },
      }).success,
    ).toBe(true);
  });

  it('refuse another protocol version, naming the field', () => {
    const result = RegisterRequestSchema.safeParse({ v: '2', kind: 'Dataplane', resource: {} });
    expect(result.success).toBe(false);
    expect(result.error?.issues.map((i) => i.path.join('.'))).toEqual(['v']);
  });

  it('refuse unknown proxy kinds and missing fields', () => {
    expect(RegisterRequestSchema.safeParse({ v: '1', kind: 'Mesh', resource: {} }).success).toBe(false);
    expect(HealthReportSchema.safeParse({ v: '1', mesh: 'default', inbounds: [] }).success).toBe(false);
    expect(
      CertificateRequestSchema.safeParse({ v: '1', kind: 'Dataplane', mesh: 'default', name: 'a', csr: '' })
        .success,
    ).toBe(false);
    expect(
      ProxyConfigSchema.safeParse({
        ...config,
        outbounds: [{ ...config.outbounds[0], localityAware: 'yes' }],
      }).success,
    ).toBe(false);
  });

  it('carry an issued certificate with an RFC 3339 expiry', () => {
    const certificate = {
      certPem: 'c',
      caChainPem: 'i',
      rootsPem: 'r',
      notAfter: '2030-01-01T00:00:00.000Z',
    };
    expect(RegisterResponseSchema.parse({ v: '1', name: 'web-1', zone: 'zone-1', certificate })).toEqual({
      v: '1',
      name: 'web-1',
      zone: 'zone-1',
      certificate,
    });
    expect(
      RegisterResponseSchema.safeParse({
        v: '1',
        name: 'a',
        zone: 'z',
        certificate: { ...certificate, notAfter: 'soon' },
      }).success,
    ).toBe(false);
  });
});
