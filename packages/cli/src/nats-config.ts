/**
 * The NATS configuration `zmctl generate nats-config` writes (deploy/nats/README.md,
 * shared/notes/nats-zone-isolation.md): a hub with JetStream (domain `hub`) whose MESH account
 * holds the sync buckets and serves global, one account per zone importing only what that zone
 * needs (`renderNatsAccounts` from @zonemesh/sync), plus the control planes' request/reply
 * subjects: the CA exchange `zm.pki.sign.<zone>` (ADR 0004) and global's token keys and
 * revocations `zm.auth.state.<zone>` / `zm.auth.changed` (docs/security.md). Each zone also gets
 * a leaf node configuration and credentials; passwords are random. Pure: tests render it.
 */
import { randomBytes } from 'node:crypto';
import type { renderNatsAccounts as RenderNatsAccounts } from '@zonemesh/sync';

/** Control-plane subjects each zone may request from global (`{zone}`: the zone's name). */
export const controlPlaneZoneServices = ['zm.pki.sign.{zone}', 'zm.auth.state.{zone}'] as const;

/** Control-plane subjects global publishes to every zone. */
export const controlPlaneGlobalStreams = ['zm.auth.changed'] as const;

/** What to render. */
export interface NatsConfigOptions {
  readonly zones: readonly string[];
  /** Where leaf nodes reach the hub's leafnode port. */
  readonly hubHost: string;
  readonly clientPort: number;
  readonly leafnodePort: number;
  /** Leaf nodes' client port (each on its zone's host). */
  readonly leafClientPort: number;
  /** JetStream storage directory of the hub; leaves use `<dir>-<zone>`. */
  readonly storeDir: string;
  /** Random passwords by default; tests pass their own. */
  readonly password?: (user: string) => string;
}

/** One file of the bundle. */
export interface NatsConfigFile {
  readonly name: string;
  readonly text: string;
  /** Holds a password: written readable by its owner only. */
  readonly secret: boolean;
  /** One line for the listing. */
  readonly purpose: string;
}

/** A fresh password: 24 random bytes, URL-safe (it goes into leaf URLs). */
export function randomPassword(): string {
  return randomBytes(24).toString('base64url');
}

/** Renders every file. `render` is `renderNatsAccounts` (passed in, so this module stays light). */
export function renderNatsConfig(
  options: NatsConfigOptions,
  render: typeof RenderNatsAccounts,
): NatsConfigFile[] {
  const password = options.password ?? randomPassword;
  const globalPassword = password('global');
  const zonePasswords = new Map(options.zones.map((zone) => [zone, password(zone)]));
  const accounts = render({
    mesh: [{ user: 'global', password: globalPassword }],
    zones: options.zones.map((zone) => ({
      zone,
      users: [{ user: zone, password: zonePasswords.get(zone) ?? '' }],
    })),
    zoneServices: controlPlaneZoneServices,
    globalStreams: controlPlaneGlobalStreams,
  });
  const hub = [
    '# zonemesh NATS hub (zmctl generate nats-config): JetStream domain "hub"; the sync buckets live',
    '# in the MESH account (global logs in as "global"); each zone has its own account and can write',
    '# only its own keys. Zone control planes connect here as their zone, or through their leaf node.',
    '# This file holds passwords: keep it private.',
    'server_name: "hub"',
    `listen: "0.0.0.0:${options.clientPort}"`,
    'jetstream {',
    `  store_dir: ${JSON.stringify(options.storeDir)}`,
    '  domain: "hub"',
    '}',
    'leafnodes {',
    `  listen: "0.0.0.0:${options.leafnodePort}"`,
    '}',
    accounts,
  ].join('\n');
  const files: NatsConfigFile[] = [
    { name: 'hub.conf', text: hub, secret: true, purpose: 'the hub: nats-server -c hub.conf' },
    {
      name: 'global.creds',
      text: `global:${globalPassword}\n`,
      secret: true,
      purpose: 'global control plane: --nats-creds global.creds',
    },
  ];
  for (const zone of options.zones) {
    const secret = zonePasswords.get(zone) ?? '';
    files.push({
      name: `${zone}.creds`,
      text: `${zone}:${secret}\n`,
      secret: true,
      purpose: `zone ${zone} on the hub: --nats-creds ${zone}.creds --nats-js-api-prefix '$JS.mesh.API' --nats-inbox-prefix _INBOX_${zone}`,
    });
    files.push({
      name: `leaf-${zone}.conf`,
      text: [
        `# zonemesh NATS leaf node of zone ${zone} (zmctl generate nats-config): JetStream domain = the`,
        `# zone name; the link logs in to the hub as ${zone}, so the hub applies the zone's account.`,
        `# The zone control plane connects here without credentials, with --nats-js-api-prefix`,
        `# '$JS.mesh.API' --nats-inbox-prefix _INBOX_${zone}. This file holds a password: keep it private.`,
        `server_name: "leaf-${zone}"`,
        `listen: "127.0.0.1:${options.leafClientPort}"`,
        'jetstream {',
        `  store_dir: ${JSON.stringify(`${options.storeDir}-${zone}`)}`,
        `  domain: ${JSON.stringify(zone)}`,
        '}',
        'leafnodes {',
        '  remotes: [',
        `    { url: ${JSON.stringify(`nats-leaf://${zone}:${secret}@${options.hubHost}:${options.leafnodePort}`)} }`,
        '  ]',
        '}',
        '',
      ].join('\n'),
      secret: true,
      purpose: `zone ${zone}'s leaf node: nats-server -c leaf-${zone}.conf`,
    });
  }
  return files;
}
