import { describe, expect, it } from 'vitest';
import { parseCommandLine } from './command-line.js';

describe('zonemesh-cp command line', () => {
  it('runs with defaults from Kuma', () => {
    const parsed = parseCommandLine(['run', '--mode', 'zone'], {});
    expect(parsed).toMatchObject({
      kind: 'run',
      config: {
        mode: 'zone',
        store: 'memory',
        environment: 'universal',
        apiAddress: { host: '0.0.0.0', port: 5681 },
        dpServerAddress: { host: '0.0.0.0', port: 5678 },
        zoneOfflineTimeout: 30_000,
        apiLocalhostIsAdmin: true,
      },
    });
  });

  it('reads every flag from ZONEMESH_* env too', () => {
    const parsed = parseCommandLine(['run'], {
      ZONEMESH_MODE: 'zone',
      ZONEMESH_ZONE: 'zone-1',
      ZONEMESH_NATS_URL: 'nats://127.0.0.1:4222',
      ZONEMESH_STORE: 'redis',
      ZONEMESH_REDIS_URL: 'redis://127.0.0.1:6379',
      ZONEMESH_ZONE_OFFLINE_TIMEOUT: '10s',
      ZONEMESH_API_LOCALHOST_IS_ADMIN: 'false',
    });
    expect(parsed).toMatchObject({
      kind: 'run',
      config: { zone: 'zone-1', store: 'redis', zoneOfflineTimeout: 10_000, apiLocalhostIsAdmin: false },
    });
  });

  it('reports every problem at once, each naming its flag', () => {
    const parsed = parseCommandLine(
      [
        'run',
        '--mode',
        'zone',
        '--nats-url',
        'nats://x:4222',
        '--store',
        'redis',
        '--zone-offline-timeout',
        'soon',
      ],
      {},
    );
    expect(parsed.kind).toBe('usage-error');
    const text = parsed.kind === 'usage-error' ? parsed.text : '';
    expect(text).toContain('--zone: is required for a federated zone');
    expect(text).toContain('--redis-url: is required with --store redis');
    expect(text).toContain('--zone-offline-timeout:');
  });

  it('accepts the kubernetes environment and store, and names the choices otherwise', () => {
    const parsed = parseCommandLine(
      ['run', '--mode', 'zone', '--store', 'kubernetes', '--environment', 'kubernetes'],
      {},
    );
    expect(parsed).toMatchObject({
      kind: 'run',
      config: { store: 'kubernetes', environment: 'kubernetes', kubernetesNamespace: 'zonemesh-system' },
    });
    const wrong = parseCommandLine(['run', '--mode', 'zone', '--store', 'etcd', '--environment', 'vm'], {});
    const text = wrong.kind === 'usage-error' ? wrong.text : '';
    expect(text).toContain('--store: must be memory, redis or kubernetes');
    expect(text).toContain('--environment: must be universal or kubernetes');
  });

  it('answers help, and usage errors for missing or unknown commands', () => {
    expect(parseCommandLine(['--help'], {})).toMatchObject({ kind: 'help' });
    expect(parseCommandLine(['run', '-h'], {}).kind).toBe('help');
    expect(parseCommandLine([], {})).toMatchObject({ kind: 'usage-error' });
    expect(parseCommandLine(['serve', '--mode', 'zone'], {})).toMatchObject({ kind: 'usage-error' });
    const help = parseCommandLine(['--help'], {});
    expect(help.kind === 'help' ? help.text : '').toContain('--zone-offline-timeout DURATION');
  });
});
