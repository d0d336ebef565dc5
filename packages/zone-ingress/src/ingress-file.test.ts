import { isMeshError } from '@zonemesh/api';
import { describe, expect, it } from 'vitest';
import { parseCommandLine } from './command-line.js';
import { parseIngressFile } from './ingress-file.js';

function causesOf(text: string): unknown {
  try {
    parseIngressFile(text);
  } catch (err) {
    if (isMeshError(err)) return err.causes;
    throw err;
  }
  throw new Error('did not throw');
}

describe('ingress file and command line', () => {
  it('reads where to listen from a ZoneIngress', () => {
    const file = parseIngressFile(
      'type: ZoneIngress\nname: ingress-1\nnetworking:\n  address: 127.0.0.1\n  port: 10001\n  advertisedAddress: 10.0.0.1\n  advertisedPort: 10001\n',
    );
    expect(file).toMatchObject({ name: 'ingress-1', address: '127.0.0.1', port: 10001 });
    expect(file.universal).toMatchObject({ type: 'ZoneIngress', name: 'ingress-1' });
  });

  it('refuses other kinds and an ingress without a port', () => {
    expect(causesOf('type: Mesh\nname: default\n')).toEqual([
      { field: 'type', message: 'must be ZoneIngress' },
    ]);
    expect(causesOf('type: ZoneIngress\nname: i\n')).toEqual([
      expect.objectContaining({ field: 'networking.port' }),
    ]);
  });

  it('parses flags and env, and lists every problem', () => {
    expect(
      parseCommandLine(['run', '--ingress-file', 'i.yaml', '--client-hello-timeout', '250ms'], {
        ZONEMESH_CP_ADDRESS: 'http://127.0.0.1:5678',
      }),
    ).toMatchObject({ kind: 'run', config: { cpAddress: 'http://127.0.0.1:5678', clientHelloTimeout: 250 } });
    const bad = parseCommandLine(['run', '--client-hello-timeout', 'soon'], {});
    expect(bad.kind).toBe('usage-error');
    const text = bad.kind === 'usage-error' ? bad.text : '';
    for (const flag of ['--cp-address', '--ingress-file', '--client-hello-timeout'])
      expect(text).toContain(flag);
  });
});
