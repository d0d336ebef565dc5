/**
 * The NATS account layout that isolates zones (shared/notes/nats-zone-isolation.md): the sync
 * buckets live in a MESH account used by global; every zone has its own account that imports
 * from MESH only what the zone's sync needs, renamed under the zone's JetStream API prefix:
 *
 * | import (zone account)                                      | why                               |
 * |------------------------------------------------------------|-----------------------------------|
 * | `STREAM.INFO.KV_zm-global`                                 | bucket identity, resume checks    |
 * | `CONSUMER.CREATE.KV_zm-global.>`                           | watch global's bucket             |
 * | `CONSUMER.CREATE.KV_zm-zones.*.$KV.zm-zones.<zone>.>`      | read back its own keys only       |
 * | `$KV.zm-zones.<zone>.>` (as `<prefix>.$KV.zm-zones...`)     | write its own keys only           |
 * | `$JS.FC.>`                                                 | flow control of its watches       |
 * | stream `_INBOX_<zone>.>`                                   | replies and watch deliveries      |
 * | stream `zm.heartbeat.global`, service `zm.heartbeat.zone.<zone>` | heartbeats                  |
 *
 * Requests a zone makes run in MESH through service imports, and their replies are mapped back
 * into the zone's account: a reply subject chosen by the zone (say `$KV.zm-global.x`) resolves in
 * the zone's account, where no stream listens. Rollups are off on both buckets
 * (`allow_rollup_hdrs: false`, see kv-bucket.ts), so a `Nats-Rollup: all` header on a zone's own
 * key is refused. Zone accounts have no JetStream of their own and no direct get.
 */

/** A user of an account: `password` may be a `$VARIABLE` reference resolved by nats-server. */
export interface NatsUserCredentials {
  readonly user: string;
  readonly password: string;
}

export interface NatsAccountsOptions {
  /** Users of the MESH account: global control planes (and operators' tools). */
  readonly mesh: readonly NatsUserCredentials[];
  /** One account per zone, with its users (the zone CP, or the zone's leaf node). */
  readonly zones: readonly { readonly zone: string; readonly users: readonly NatsUserCredentials[] }[];
  /**
   * API prefixes under which zone accounts import MESH's JetStream API, default `$JS.mesh.API`.
   * Zone CPs use it as `jsApiPrefix` both on the hub and behind a leaf node: a `$JS.<domain>.API`
   * name does not work for an import, because the hub's own JetStream domain mapping answers
   * `$JS.hub.API.>` in every account first (tested on 2.9.10: requests time out).
   */
  readonly apiPrefixes?: readonly string[];
  /**
   * Extension: request/reply subjects global's control plane answers for each zone besides
   * sync's, with `{zone}` standing for the zone name, e.g. `zm.pki.sign.{zone}` (the CA exchange,
   * ADR 0004) or `zm.auth.state.{zone}`. MESH exports each zone's subject to that zone's account
   * only; replies travel back through the service import into the zone's account.
   */
  readonly zoneServices?: readonly string[];
  /** Extension: subjects global publishes to every zone (core NATS), e.g. `zm.auth.changed`. */
  readonly globalStreams?: readonly string[];
}

/** The API prefix a zone CP uses (`jsApiPrefix`) with the isolating accounts, on the hub or behind a leaf. */
export const meshApiPrefix = '$JS.mesh.API';

/** The account name of the shared buckets. */
export const meshAccount = 'MESH';

/** The inbox prefix a zone CP must use (`inboxPrefix`): its replies arrive only there. */
export function zoneInboxPrefix(zone: string): string {
  return `_INBOX_${zone}`;
}

/** The account name of a zone. */
export function zoneAccount(zone: string): string {
  return `ZONE_${zone.toUpperCase().replaceAll('-', '_')}`;
}

function quote(value: string): string {
  // `$NAME` stays a variable reference that nats-server resolves from its environment.
  return /^\$[A-Za-z_][A-Za-z0-9_]*$/.test(value) ? value : JSON.stringify(value);
}

function users(list: readonly NatsUserCredentials[]): string {
  return `users: [ ${list.map((u) => `{ user: ${quote(u.user)}, password: ${quote(u.password)} }`).join(', ')} ]`;
}

/**
 * Renders the `accounts { ... }` block of a hub's configuration for these zones. Validate zone
 * names first (`isZoneName`): they are used verbatim in subjects.
 */
export function renderNatsAccounts(options: NatsAccountsOptions): string {
  const prefixes = options.apiPrefixes ?? [meshApiPrefix];
  const q = JSON.stringify;
  const exports: string[] = [
    `{ service: ${q('$JS.API.STREAM.INFO.KV_zm-global')} }`,
    `{ service: ${q('$JS.API.CONSUMER.CREATE.KV_zm-global.>')} }`,
    `{ service: ${q('$JS.FC.>')} }`,
    `{ stream: ${q('zm.heartbeat.global')} }`,
    ...(options.globalStreams ?? []).map((subject) => `{ stream: ${q(subject)} }`),
  ];
  const accounts: string[] = [];
  for (const { zone, users: zoneUsers } of options.zones) {
    const account = zoneAccount(zone);
    const ownConsumers = `$JS.API.CONSUMER.CREATE.KV_zm-zones.*.$KV.zm-zones.${zone}.>`;
    const ownKeys = `$KV.zm-zones.${zone}.>`;
    exports.push(
      `{ service: ${q(ownConsumers)}, accounts: [${account}] }`,
      `{ service: ${q(ownKeys)}, accounts: [${account}] }`,
      `{ stream: ${q(`${zoneInboxPrefix(zone)}.>`)}, accounts: [${account}] }`,
      `{ service: ${q(`zm.heartbeat.zone.${zone}`)}, accounts: [${account}] }`,
    );
    const zoneServices = (options.zoneServices ?? []).map((subject) => subject.replaceAll('{zone}', zone));
    for (const subject of zoneServices) exports.push(`{ service: ${q(subject)}, accounts: [${account}] }`);
    const imports: string[] = [];
    const service = (subject: string, to?: string): string =>
      `{ service: { account: ${meshAccount}, subject: ${q(subject)} }${to === undefined ? '' : `, to: ${q(to)}`} }`;
    for (const prefix of prefixes) {
      const renamed = (subject: string): string => subject.replace(/^\$JS\.API\./, `${prefix}.`);
      imports.push(
        service('$JS.API.STREAM.INFO.KV_zm-global', renamed('$JS.API.STREAM.INFO.KV_zm-global')),
        service('$JS.API.CONSUMER.CREATE.KV_zm-global.>', renamed('$JS.API.CONSUMER.CREATE.KV_zm-global.>')),
        service(ownConsumers, renamed(ownConsumers)),
        // The KV client writes through the API prefix when it is not the default one.
        service(ownKeys, `${prefix}.${ownKeys}`),
      );
    }
    imports.push(
      service('$JS.FC.>'),
      service(`zm.heartbeat.zone.${zone}`),
      `{ stream: { account: ${meshAccount}, subject: ${q(`${zoneInboxPrefix(zone)}.>`)} } }`,
      `{ stream: { account: ${meshAccount}, subject: ${q('zm.heartbeat.global')} } }`,
      ...zoneServices.map((subject) => service(subject)),
      ...(options.globalStreams ?? []).map(
        (subject) => `{ stream: { account: ${meshAccount}, subject: ${q(subject)} } }`,
      ),
    );
    accounts.push(
      [
        `  ${account}: {`,
        `    ${users(zoneUsers)}`,
        '    imports: [',
        ...imports.map((i) => `      ${i}`),
        '    ]',
        '  }',
      ].join('\n'),
    );
  }
  const mesh = [
    `  ${meshAccount}: {`,
    '    jetstream: enabled',
    `    ${users(options.mesh)}`,
    '    exports: [',
    ...exports.map((e) => `      ${e}`),
    '    ]',
    '  }',
  ].join('\n');
  return ['accounts {', mesh, ...accounts, '}', ''].join('\n');
}
