import { isMeshError } from '@zonemesh/api';
import { describe, expect, it } from 'vitest';
import { fillTemplate, parseDataplaneFile } from './dataplane-file.js';

const template = `type: Dataplane
mesh: default
name: {{ name }}
networking:
  address: {{address}}
  inbound:
    - port: 10000
      servicePort: 8080
      tags:
        kuma.io/service: backend
`;

function causesOf(run: () => unknown): unknown {
  try {
    run();
  } catch (err) {
    if (isMeshError(err)) return err.causes;
    throw err;
  }
  throw new Error('did not throw');
}

describe('dataplane file', () => {
  it('fills {{ name }} placeholders and parses the Dataplane', () => {
    const file = parseDataplaneFile(template, { name: 'backend-1', address: '10.0.0.7' });
    expect(file.name).toBe('backend-1');
    expect(file.mesh).toBe('default');
    expect(file.universal).toMatchObject({
      type: 'Dataplane',
      name: 'backend-1',
      networking: { address: '10.0.0.7' },
    });
  });

  it('names every placeholder that has no value', () => {
    expect(causesOf(() => fillTemplate(template, { name: 'x' }))).toEqual([
      { field: '{{ address }}', message: 'no value: pass --dataplane-var address=VALUE' },
    ]);
  });

  it("refuses an invalid Dataplane with Kuma's field paths, and other kinds", () => {
    const bad = template.replace('port: 10000', 'port: 70000');
    expect(causesOf(() => parseDataplaneFile(bad, { name: 'x', address: '10.0.0.7' }))).toContainEqual(
      expect.objectContaining({ field: 'networking.inbound[0].port' }),
    );
    expect(causesOf(() => parseDataplaneFile('type: Mesh\nname: default\n'))).toEqual([
      { field: 'type', message: 'must be Dataplane' },
    ]);
    const gateway =
      'type: Dataplane\nmesh: default\nname: gw\nnetworking:\n  address: 1.2.3.4\n  gateway:\n    tags:\n      kuma.io/service: gw\n';
    expect(causesOf(() => parseDataplaneFile(gateway))).toEqual([
      { field: 'networking.inbound', message: 'must have at least one inbound' },
    ]);
  });

  it('accepts JSON', () => {
    const json = JSON.stringify({
      type: 'Dataplane',
      mesh: 'default',
      name: 'web',
      networking: {
        address: '127.0.0.1',
        inbound: [{ port: 1, servicePort: 2, tags: { 'kuma.io/service': 'web' } }],
      },
    });
    expect(parseDataplaneFile(json).name).toBe('web');
  });
});
