import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isMeshError } from '@zonemesh/api';
import { describe, expect, it } from 'vitest';
import * as z from 'zod';
import { formatUsage, parseRunCommandLine, readFlagFile } from './command-line.js';
import { type FlagDefinitions, formatHostPort } from './config.js';
import { trustCaCertFile } from './tls-trust.js';

const flags: FlagDefinitions = { zone: { type: 'string', description: 'zone name' } };
const schema = z.object({ zone: z.string().min(1) });
const usage = 'Usage: demo run --zone NAME\n';

function parse(args: string[], env: Record<string, string> = {}) {
  return parseRunCommandLine({ program: 'demo', usage, flags, schema, args, env });
}

describe('parseRunCommandLine', () => {
  it('returns the config for run, from flags or env', () => {
    expect(parse(['run', '--zone', 'east'])).toEqual({ kind: 'run', config: { zone: 'east' } });
    expect(parse(['run'], { ZONEMESH_ZONE: 'west' })).toEqual({ kind: 'run', config: { zone: 'west' } });
  });

  it('answers --help (even without required flags) and help with the usage', () => {
    expect(parse(['--help'])).toEqual({ kind: 'help', text: usage });
    expect(parse(['help', '--zone', 'a'])).toEqual({ kind: 'help', text: usage });
  });

  it('names a missing or unknown command and an extra argument', () => {
    expect(parse(['--zone', 'a'])).toEqual({
      kind: 'usage-error',
      text: `demo: missing command; expected "run"\n\n${usage}`,
    });
    expect(parse(['go', '--zone', 'a'])).toEqual({
      kind: 'usage-error',
      text: `demo: unknown command "go"; expected "run"\n\n${usage}`,
    });
    expect(parse(['run', 'extra', '--zone', 'a'])).toEqual({
      kind: 'usage-error',
      text: 'demo: unexpected argument "extra"\n',
    });
  });

  it('lists every invalid flag in one usage error', () => {
    const parsed = parse(['run', '--bogus', 'x']);
    expect(parsed.kind).toBe('usage-error');
    const text = parsed.kind === 'usage-error' ? parsed.text : '';
    expect(text).toMatch(/^demo: invalid configuration:\n/);
    expect(text).toContain('--zone');
    expect(text).toContain('--bogus');
    expect(text).toMatch(/Run "demo run --help" for the flags\.\n$/);
  });
});

describe('readFlagFile', () => {
  it('reads the file, trimmed on request', () => {
    const path = join(mkdtempSync(join(tmpdir(), 'zm-flag-file-')), 'token');
    writeFileSync(path, 'secret\n');
    expect(readFlagFile(path, { flag: '--token-file', what: 'token file' })).toBe('secret\n');
    expect(readFlagFile(path, { flag: '--token-file', what: 'token file', trim: true })).toBe('secret');
  });

  it('throws InvalidInput naming the flag when the file cannot be read', () => {
    let thrown: unknown;
    try {
      readFlagFile('/nonexistent/zm-token', { flag: '--token-file', what: 'token file' });
    } catch (err) {
      thrown = err;
    }
    expect(isMeshError(thrown, 'InvalidInput')).toBe(true);
    expect((thrown as Error).message).toBe('cannot read token file /nonexistent/zm-token');
    expect(isMeshError(thrown) ? thrown.causes.map((cause) => cause.field) : []).toEqual(['--token-file']);
  });
});

describe('trustCaCertFile', () => {
  it('does nothing without a path and names --ca-cert-file when the file cannot be read', () => {
    expect(() => trustCaCertFile(undefined)).not.toThrow();
    expect(() => trustCaCertFile('/nonexistent/ca.pem')).toThrow('cannot read CA file /nonexistent/ca.pem');
  });
});

describe('formatHostPort', () => {
  it('writes host:port and keeps undefined', () => {
    expect(formatHostPort({ host: '127.0.0.1', port: 9901 })).toBe('127.0.0.1:9901');
    expect(formatHostPort(undefined)).toBeUndefined();
  });
});

describe('formatUsage', () => {
  it('puts the flags and -h, --help under the head', () => {
    const text = formatUsage('Usage: demo run', flags);
    expect(text).toMatch(
      /^Usage: demo run\n\nFlags:\n +--zone .*zone name.*\[env ZONEMESH_ZONE\]\n {2}-h, --help {4}show this help\n$/,
    );
  });
});
