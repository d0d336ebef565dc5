/**
 * Wires tokens for this control plane: its signing keys and revocations (store checkpoints), the
 * authority that issues and verifies its tokens, how proxies are authenticated (`--dp-auth`), and
 * on a federated deployment the exchange that gives every zone global's public keys and
 * revocations (auth-exchange.ts).
 */
import { access, writeFile } from 'node:fs/promises';
import type { KubeClient } from '@zonemesh/kubernetes';
import type { Logger } from '@zonemesh/runtime';
import type { ResourceStore } from '@zonemesh/store';
import { isFederatedZone } from '../config.js';
import type { ControlPlaneRuntime } from '../control-plane-runtime.js';
import { openCaNatsLink } from '../mesh-ca/ca-nats-link.js';
import { adminGroup } from '../rest/api-access.js';
import { zoneNameOf } from '../mesh-ca/setup-mesh-ca.js';
import { followGlobalAuth, serveAuthState } from './auth-exchange.js';
import { createGlobalTrust, type GlobalTrust } from './global-trust.js';
import { allowAnyProxy, createTokenProxyAuth, type ProxyAuthenticator } from './proxy-authentication.js';
import { createRevocationList, type RevocationList } from './revocations.js';
import { createSigningKeyRing, type SigningKeyRing } from './signing-keys.js';
import { createTokenAuthority, globalIssuer, type TokenAuthority, zoneIssuer } from './token-authority.js';

/** Store checkpoints of the auth material; never resources, so never synced nor shown by the API. */
export const AuthCheckpoints = {
  signingKeys: 'zonemesh.io/auth/signing-keys',
  revocations: 'zonemesh.io/auth/revocations',
  globalTrust: 'zonemesh.io/auth/global-trust',
} as const;

/** Everything token-related a control plane serves. */
export interface ControlPlaneAuth {
  readonly tokens: TokenAuthority;
  readonly keys: SigningKeyRing;
  readonly revocations: RevocationList;
  /** How the dataplane server authenticates proxies (`--dp-auth`). */
  readonly proxies: ProxyAuthenticator;
  /** Where token events are logged (`component: auth`). */
  readonly log: Logger;
}

/** Builds the auth of this control plane and adds the exchange with global/zones to the lifecycle. */
export function setupAuth(
  runtime: ControlPlaneRuntime,
  store: ResourceStore,
  kube: KubeClient | undefined,
): ControlPlaneAuth {
  const { config } = runtime;
  const log = runtime.log.child({ component: 'auth' });
  let announce = (): void => undefined;
  const maxTokenValidityMs = config.tokenMaxValidity;
  const keys = createSigningKeyRing({
    store,
    checkpoint: AuthCheckpoints.signingKeys,
    rotateAfterMs: config.signingKeyRotation,
    maxTokenValidityMs,
    onChange: () => announce(),
  });
  const revocations = createRevocationList({
    store,
    checkpoint: AuthCheckpoints.revocations,
    maxTokenValidityMs,
    onChange: () => announce(),
  });
  const federatedZone = isFederatedZone(config);
  const global: GlobalTrust | undefined = federatedZone
    ? createGlobalTrust(store, AuthCheckpoints.globalTrust)
    : undefined;
  const tokens = createTokenAuthority({
    issuer: config.mode === 'global' ? globalIssuer : zoneIssuer(zoneNameOf(config)),
    keys,
    revocations,
    global,
    maxValidityMs: maxTokenValidityMs,
  });

  let proxies: ProxyAuthenticator = allowAnyProxy;
  if (config.mode === 'zone') {
    if (config.dpAuth === 'none') {
      log.warn(
        { dpAuth: 'none' },
        'proxies are not authenticated (--dp-auth none): anyone reaching the dataplane server can register as any proxy and get its certificates; for development only',
      );
    } else {
      proxies = createTokenProxyAuth({
        zone: zoneNameOf(config),
        tokens,
        kube:
          config.environment === 'kubernetes' && kube !== undefined
            ? { client: kube, systemNamespace: config.kubernetesNamespace }
            : undefined,
      });
    }
  }

  const adminTokenFile = config.adminTokenFile;
  if (adminTokenFile !== undefined) {
    runtime.lifecycle.add({
      name: 'admin-token',
      async start(signal) {
        // In the background, retried: starting never waits for the store (Redis may be away).
        const done = (async () => {
          while (!signal.aborted) {
            try {
              await writeAdminToken(tokens, adminTokenFile, log);
              return;
            } catch (err) {
              log.warn(
                { file: adminTokenFile, err: (err as Error).message, retryMs: 2_000 },
                'cannot write the admin token yet',
              );
              await new Promise((resolve) => setTimeout(resolve, 2_000).unref());
            }
          }
        })();
        return { done };
      },
    });
  }

  if (config.natsUrl !== undefined && (config.mode === 'global' || federatedZone)) {
    runtime.lifecycle.add({
      name: 'auth-exchange',
      async start(signal) {
        const name = config.mode === 'global' ? 'zonemesh-global-auth' : `zonemesh-zone-auth-${config.zone}`;
        const link = openCaNatsLink(
          {
            url: config.natsUrl ?? '',
            credsFile: config.natsCreds,
            inboxPrefix: config.natsInboxPrefix,
            name,
          },
          log,
          signal,
        );
        const connection = () => link.connected();
        if (config.mode === 'global') {
          const server = serveAuthState({
            connection,
            log,
            signal,
            state: async () => ({
              v: '1',
              keys: (await keys.list()).map(({ kid, publicKeyPem }) => ({ kid, publicKeyPem })),
              revoked: await revocations.list(),
            }),
          });
          announce = () => server.announce();
          // Make the first key soon, so zones learn it before anyone asks global for a token; in
          // the background: starting never waits for the store (Redis may be away).
          keys
            .active()
            .catch((err: unknown) =>
              log.warn(
                { err: (err as Error).message },
                'cannot make the first token signing key yet; made on first use',
              ),
            );
          return { done: Promise.all([server.done, link.done]).then(() => undefined) };
        }
        const following = followGlobalAuth({
          connection,
          zone: config.zone ?? '',
          trust: global as GlobalTrust,
          log,
          signal,
        });
        return { done: Promise.all([following, link.done]).then(() => undefined) };
      },
    });
  }
  return { tokens, keys, revocations, proxies, log };
}

/**
 * `--admin-token-file`: writes an admin user token (readable by its owner only) unless the file
 * exists, so an operator who turned `--api-localhost-is-admin` off has a first credential. The
 * token is logged by id only; revoke it once real admin tokens are handed out.
 */
async function writeAdminToken(tokens: TokenAuthority, file: string, log: Logger): Promise<void> {
  try {
    await access(file);
    log.info({ file }, 'admin token file exists; left as it is');
    return;
  } catch {
    // absent: write one
  }
  const { token, claims } = await tokens.issue({
    kind: 'user',
    name: 'admin',
    groups: [adminGroup],
    validForMs: tokens.maxValidityMs,
  });
  await writeFile(file, `${token}\n`, { mode: 0o600, flag: 'wx' });
  log.info(
    { file, id: claims.jti, expires: new Date(claims.exp * 1000).toISOString() },
    'admin token written (zmctl --token-file); revoke it once admins have their own',
  );
}
