import { describe, expect, it } from 'vitest';
import { selectHealthCheckType } from './health-check-type.js';

const on = {};
const off = { disabled: true };

describe('health check type by destination protocol (Kuma selectHealthCheckType)', () => {
  it.each([
    ['http', { http: on, tcp: on }, 'http'],
    ['http2', { http: on }, 'http'],
    ['http', { tcp: on }, null],
    ['http', { http: off, tcp: on }, 'tcp'],
    ['http', { http: off, tcp: off }, null],
    ['grpc', { grpc: on, tcp: on }, 'grpc'],
    ['grpc', { grpc: off, tcp: on }, 'tcp'],
    ['grpc', { http: on, tcp: on }, null],
    ['tcp', { http: on, tcp: on }, 'tcp'],
    ['tcp', { http: on }, null],
    ['kafka', { tcp: on }, null],
    [undefined, { tcp: on }, 'tcp'],
  ])('%s with %j: %s', (protocol, conf, expected) => {
    const destination = {
      'kuma.io/service': 'backend',
      ...(protocol === undefined ? {} : { 'kuma.io/protocol': protocol }),
    };
    expect(selectHealthCheckType(conf, destination)).toBe(expected);
  });
});
