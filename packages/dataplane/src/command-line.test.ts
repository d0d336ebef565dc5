import { describe, expect, it } from 'vitest';
import { parseCommandLine } from './command-line.js';

const required = ['run', '--cp-address', 'http://127.0.0.1:5678', '--dataplane-file', 'dp.yaml'];

describe('zonemesh-dp command line', () => {
  it('collects repeated --dataplane-var flags, in both spellings', () => {
    const parsed = parseCommandLine(
      [
        ...required,
        '--dataplane-var',
        'name=dp-1',
        '--dataplane-var=address=10.0.0.1',
        '--admin-address',
        '127.0.0.1:0',
      ],
      {},
    );
    expect(parsed).toMatchObject({
      kind: 'run',
      config: {
        cpAddress: 'http://127.0.0.1:5678',
        dataplaneVar: { name: 'dp-1', address: '10.0.0.1' },
        adminAddress: { host: '127.0.0.1', port: 0 },
      },
    });
  });

  it('reads every flag from ZONEMESH_ env too, variables comma-separated', () => {
    const parsed = parseCommandLine(['run'], {
      ZONEMESH_CP_ADDRESS: 'http://cp:5678',
      ZONEMESH_DATAPLANE_FILE: 'dp.yaml',
      ZONEMESH_DATAPLANE_VAR: 'name=a,address=b',
      ZONEMESH_DATAPLANE_TOKEN_FILE: '/run/token',
    });
    expect(parsed).toMatchObject({
      kind: 'run',
      config: { dataplaneVar: { name: 'a', address: 'b' }, dataplaneTokenFile: '/run/token' },
    });
  });

  it('reports every problem at once, naming the flags', () => {
    const parsed = parseCommandLine(
      ['run', '--cp-address', 'nope', '--dataplane-var', 'novalue', '--bogus'],
      {},
    );
    expect(parsed.kind).toBe('usage-error');
    const text = parsed.kind === 'usage-error' ? parsed.text : '';
    for (const flag of ['--cp-address', '--dataplane-file', '--dataplane-var', '--bogus'])
      expect(text).toContain(flag);
  });

  it('answers --help and refuses other commands', () => {
    expect(parseCommandLine(['run', '--help'], {}).kind).toBe('help');
    expect(parseCommandLine(['serve'], {})).toMatchObject({ kind: 'usage-error' });
  });
});
