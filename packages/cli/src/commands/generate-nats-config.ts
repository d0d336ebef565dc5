/**
 * `zmctl generate nats-config --zones zone-1,zone-2 [--out-dir DIR] ...`: a NATS hub with one
 * account per zone (zones can write only their own sync keys and ask global only for their own
 * CA and token subjects), a leaf node configuration per zone, and credentials for global and
 * each zone. Offline: nothing is asked of a control plane.
 */
import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type Command, ExitCode, UsageError } from '../command.js';
import { renderNatsConfig } from '../nats-config.js';

const zoneName = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

function port(value: unknown, flag: string, fallback: number): number {
  if (value === undefined) return fallback;
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 1 || parsed > 65_535)
    throw new UsageError(`--${flag} must be a port (1-65535)`);
  return parsed;
}

export const generateNatsConfigCommand: Command = {
  name: 'generate nats-config',
  summary: 'generate a NATS hub (and leaf) configuration with one isolated account per zone',
  synopsis:
    '--zones Z1,Z2... [--out-dir DIR] [--hub-host H] [--port P] [--leafnode-port P] [--leaf-port P] [--store-dir DIR]',
  description: [
    'Writes the configuration of a NATS hub for zonemesh sync with one account per zone (a zone',
    "can write only its own keys, read global's, and ask global only for its own intermediate CA",
    'and token keys), a leaf node configuration per zone, and the credentials of global and of each',
    'zone (random passwords). With --out-dir the files go there (readable by their owner only) and',
    'stdout lists them with the flags that use them; without it every file is printed to stdout,',
    'each after a "# ==> NAME <==" line. Offline: no control plane is asked.',
  ].join('\n'),
  flags: {
    zones: { type: 'string', valueName: 'Z1,Z2', description: 'the zones, comma-separated (required)' },
    'out-dir': { type: 'string', valueName: 'DIR', description: 'write the files here instead of stdout' },
    'hub-host': {
      type: 'string',
      valueName: 'HOST',
      description: "the hub's address as leaf nodes reach it (default 127.0.0.1)",
    },
    port: { type: 'string', valueName: 'PORT', description: "the hub's client port (default 4222)" },
    'leafnode-port': {
      type: 'string',
      valueName: 'PORT',
      description: "the hub's leaf node port (default 7422)",
    },
    'leaf-port': {
      type: 'string',
      valueName: 'PORT',
      description: "a leaf node's client port (default 4222)",
    },
    'store-dir': {
      type: 'string',
      valueName: 'DIR',
      description: 'JetStream storage of the hub (default /var/lib/nats; leaves add -<zone>)',
    },
  },
  acceptsArgs: false,
  async run({ flags, io }) {
    const zones = String(flags.zones ?? '')
      .split(',')
      .map((zone) => zone.trim())
      .filter((zone) => zone !== '');
    if (zones.length === 0) throw new UsageError('--zones is required (e.g. --zones zone-1,zone-2)');
    const bad = zones.find((zone) => !zoneName.test(zone));
    if (bad !== undefined)
      throw new UsageError(`--zones: "${bad}" is not a DNS label (lowercase letters, digits, -)`);
    if (new Set(zones).size !== zones.length) throw new UsageError('--zones names a zone twice');
    const { renderNatsAccounts } = await import('@zonemesh/sync');
    const files = renderNatsConfig(
      {
        zones,
        hubHost: (flags['hub-host'] as string | undefined) ?? '127.0.0.1',
        clientPort: port(flags.port, 'port', 4222),
        leafnodePort: port(flags['leafnode-port'], 'leafnode-port', 7422),
        leafClientPort: port(flags['leaf-port'], 'leaf-port', 4222),
        storeDir: (flags['store-dir'] as string | undefined) ?? '/var/lib/nats',
      },
      renderNatsAccounts,
    );
    const dir = flags['out-dir'] as string | undefined;
    if (dir === undefined) {
      io.out(files.map((file) => `# ==> ${file.name} <==\n${file.text.trimEnd()}\n`).join('\n'));
      return ExitCode.ok;
    }
    await mkdir(dir, { recursive: true, mode: 0o700 });
    for (const file of files) {
      const path = join(dir, file.name);
      await writeFile(path, file.text, { mode: file.secret ? 0o600 : 0o644 });
      if (file.secret) await chmod(path, 0o600);
    }
    const width = Math.max(...files.map((file) => file.name.length));
    io.out(
      files
        .map((file) => `${join(dir, file.name).padEnd(dir.length + 1 + width)}  ${file.purpose}\n`)
        .join(''),
    );
    return ExitCode.ok;
  },
};
