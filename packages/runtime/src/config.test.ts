import { isMeshError } from '@zonemesh/api';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  DurationSchema,
  HostPortSchema,
  envName,
  formatFlagHelp,
  loadConfig,
  parseDuration,
} from './config.js';

const flags = {
  mode: { type: 'string', description: 'global or zone' },
  'nats-url': { type: 'string', description: 'NATS URL', valueName: 'URL' },
  'zone-offline-timeout': { type: 'string', description: 'offline after', default: '30s' },
  'api-localhost-is-admin': { type: 'boolean', description: 'loopback is admin', default: 'true' },
  'api-address': { type: 'string', description: 'listen on' },
} as const;

const schema = z.object({
  mode: z.enum(['global', 'zone']),
  natsUrl: z.string().optional(),
  zoneOfflineTimeout: DurationSchema.default(30_000),
  apiLocalhostIsAdmin: z.stringbool().default(true),
  apiAddress: HostPortSchema.default({ host: '0.0.0.0', port: 5681 }),
});

function load(args: string[], env: Record<string, string> = {}) {
  return loadConfig({ flags, schema, args, env });
}

function causesOf(fn: () => unknown) {
  try {
    fn();
  } catch (err) {
    if (isMeshError(err, 'InvalidInput')) return err.causes.map((cause) => cause.field);
    throw err;
  }
  throw new Error('expected an InvalidInput error');
}

describe('loadConfig', () => {
  it('reads flags, applies defaults and keeps positionals', () => {
    const loaded = load(['run', '--mode', 'zone', '--nats-url=nats://x:4222']);
    expect(loaded.positionals).toEqual(['run']);
    expect(loaded.config).toEqual({
      mode: 'zone',
      natsUrl: 'nats://x:4222',
      zoneOfflineTimeout: 30_000,
      apiLocalhostIsAdmin: true,
      apiAddress: { host: '0.0.0.0', port: 5681 },
    });
  });

  it('reads env ZONEMESH_<FLAG> and lets a flag win over it', () => {
    const env = {
      ZONEMESH_MODE: 'global',
      ZONEMESH_ZONE_OFFLINE_TIMEOUT: '1m30s',
      ZONEMESH_API_LOCALHOST_IS_ADMIN: 'false',
    };
    expect(load([], env).config).toMatchObject({
      mode: 'global',
      zoneOfflineTimeout: 90_000,
      apiLocalhostIsAdmin: false,
    });
    expect(load(['--mode=zone'], env).config?.mode).toBe('zone');
  });

  it('parses booleans as flags, --flag=false, --no-flag and env words', () => {
    expect(load(['--mode=zone', '--api-localhost-is-admin=false']).config?.apiLocalhostIsAdmin).toBe(false);
    expect(load(['--mode=zone', '--no-api-localhost-is-admin']).config?.apiLocalhostIsAdmin).toBe(false);
    expect(load(['--mode=zone', '--api-localhost-is-admin']).config?.apiLocalhostIsAdmin).toBe(true);
    expect(load(['--mode=zone'], { ZONEMESH_API_LOCALHOST_IS_ADMIN: 'no' }).config?.apiLocalhostIsAdmin).toBe(
      false,
    );
  });

  it('reports every problem together, each naming its flag', () => {
    const fields = causesOf(() =>
      load(['--mode', 'moon', '--bogus', '--zone-offline-timeout', 'soon', '--api-address', 'nowhere']),
    );
    expect(fields.sort()).toEqual(['--api-address', '--bogus', '--mode', '--zone-offline-timeout']);
  });

  it('names the env variable in messages and rejects a flag without its value', () => {
    const error = (() => {
      try {
        load(['--nats-url']);
      } catch (err) {
        return err;
      }
      return undefined;
    })();
    expect(isMeshError(error, 'InvalidInput')).toBe(true);
    const causes = isMeshError(error) ? error.causes : [];
    expect(causes).toContainEqual({ field: '--nats-url', message: 'needs a value' });
    expect(causes.find((cause) => cause.field === '--mode')?.message).toContain('ZONEMESH_MODE');
  });

  it('answers help without validating', () => {
    expect(load(['run', '--help'])).toEqual({ config: undefined, positionals: ['run'], help: true });
  });
});

describe('helpers', () => {
  it('parses durations and rejects malformed ones', () => {
    expect(parseDuration('30s')).toBe(30_000);
    expect(parseDuration('500ms')).toBe(500);
    expect(parseDuration('1h2m3s')).toBe(3_723_000);
    expect(parseDuration('1.5s')).toBe(1_500);
    expect(parseDuration('30')).toBeUndefined();
    expect(parseDuration('30s x')).toBeUndefined();
    expect(parseDuration('')).toBeUndefined();
  });

  it('parses HOST:PORT including IPv6', () => {
    expect(HostPortSchema.parse('[::1]:80')).toEqual({ host: '::1', port: 80 });
    expect(HostPortSchema.parse(':0')).toEqual({ host: '', port: 0 });
    expect(HostPortSchema.safeParse('host:99999').success).toBe(false);
  });

  it('derives env names and help lines', () => {
    expect(envName('nats-url')).toBe('ZONEMESH_NATS_URL');
    const help = formatFlagHelp(flags);
    expect(help).toContain('--nats-url URL');
    expect(help).toContain('(default 30s) [env ZONEMESH_ZONE_OFFLINE_TIMEOUT]');
  });
});
