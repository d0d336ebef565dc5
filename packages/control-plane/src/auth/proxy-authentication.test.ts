import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createKubeClient, findKubeConfig } from '@zonemesh/kubernetes';
import { createMemoryStore } from '@zonemesh/store';
import { type FakeKubeApi, startFakeKubeApi } from '@zonemesh/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTokenProxyAuth, type ProxyAuthenticator, tagProblems } from './proxy-authentication.js';
import { createRevocationList } from './revocations.js';
import { createSigningKeyRing } from './signing-keys.js';
import { createTokenAuthority, type TokenAuthority, zoneIssuer } from './token-authority.js';

const year = 8_760 * 3_600_000;
const dir = mkdtempSync(join(tmpdir(), 'zonemesh-sa-'));
let api: FakeKubeApi;
let tokens: TokenAuthority;
let auth: ProxyAuthenticator;

const pod = (name: string, serviceAccountName: string, mesh = 'default') => ({
  metadata: { name, namespace: 'shop', labels: { 'kuma.io/mesh': mesh, app: name.replace(/-\d+$/, '') } },
  spec: { serviceAccountName, containers: [{ name: 'app', image: 'app:1' }] },
});

beforeAll(async () => {
  api = await startFakeKubeApi({
    namespaces: ['default', 'shop', 'zonemesh-system'],
    users: {
      'sa-web': 'system:serviceaccount:shop:web',
      'sa-web-bound': 'system:serviceaccount:shop:web',
      'sa-ingress': 'system:serviceaccount:zonemesh-system:zonemesh-ingress',
      'a-person': 'alice',
    },
    podBindings: { 'sa-web-bound': 'web-1' },
  });
  await api.call('POST', '/api/v1/namespaces/shop/pods', pod('web-1', 'web'));
  await api.call('POST', '/api/v1/namespaces/shop/pods', pod('web-2', 'web'));
  await api.call('POST', '/api/v1/namespaces/shop/pods', pod('db-1', 'db'));
  await api.call('POST', '/api/v1/namespaces/shop/pods', pod('web-9', 'web', 'other'));
  await api.call('POST', '/api/v1/namespaces/shop/services', {
    metadata: { name: 'web', namespace: 'shop' },
    spec: { selector: { app: 'web' }, ports: [{ port: 80, targetPort: 8080 }] },
  });
  const file = join(dir, 'kubeconfig');
  writeFileSync(file, api.kubeconfig());
  const client = createKubeClient(findKubeConfig({ env: { KUBECONFIG: file } }).kubeConfig);
  const store = createMemoryStore();
  tokens = createTokenAuthority({
    issuer: zoneIssuer('zone-k'),
    keys: createSigningKeyRing({ store, checkpoint: 'keys', rotateAfterMs: 0, maxTokenValidityMs: year }),
    revocations: createRevocationList({ store, checkpoint: 'revoked', maxTokenValidityMs: year }),
    maxValidityMs: year,
  });
  auth = createTokenProxyAuth({
    zone: 'zone-k',
    tokens,
    kube: { client, systemNamespace: 'zonemesh-system' },
  });
});

afterAll(async () => {
  await api?.close();
  rmSync(dir, { recursive: true, force: true });
});

const dataplane = async (token: string, name: string, mesh = 'default') =>
  auth.authorizeDataplane(await auth.authenticate(`Bearer ${token}`), { mesh, name });

describe('ServiceAccount tokens on Kubernetes (TokenReview)', () => {
  it("cover the Dataplane of a Pod running as that ServiceAccount, in the Pod's mesh", async () => {
    await expect(dataplane('sa-web', 'web-1.shop')).resolves.toBeUndefined();
    await expect(dataplane('sa-web', 'web-2.shop')).resolves.toBeUndefined();
  });

  it("refuse other ServiceAccounts' Pods, other namespaces, missing Pods and other meshes", async () => {
    await expect(dataplane('sa-web', 'db-1.shop')).rejects.toMatchObject({
      code: 'Forbidden',
      message: 'no Pod shop/db-1 runs as ServiceAccount web',
    });
    await expect(dataplane('sa-web', 'web-1.default')).rejects.toMatchObject({ code: 'Forbidden' });
    await expect(dataplane('sa-web', 'ghost-1.shop')).rejects.toMatchObject({ code: 'Forbidden' });
    await expect(dataplane('sa-web', 'web-9.shop')).rejects.toThrow(/is in mesh other, not default/);
  });

  it("refuse inbound tags other than those the Pod's Services and labels give it", async () => {
    const identity = await auth.authenticate('Bearer sa-web');
    const own = { 'kuma.io/service': 'web_shop_svc_80', app: 'web', 'kuma.io/zone': 'zone-k' };
    await expect(
      auth.authorizeDataplane(identity, { mesh: 'default', name: 'web-1.shop', inboundTags: [own] }),
    ).resolves.toBeUndefined();
    await expect(
      auth.authorizeDataplane(identity, {
        mesh: 'default',
        name: 'web-1.shop',
        inboundTags: [{ ...own, 'kuma.io/service': 'db_shop_svc_5432' }],
      }),
    ).rejects.toMatchObject({
      code: 'Forbidden',
      message: 'the inbound tags are not those of Pod shop/web-1',
    });
    await expect(
      auth.authorizeDataplane(identity, {
        mesh: 'default',
        name: 'web-1.shop',
        inboundTags: [{ ...own, version: 'v9' }],
      }),
    ).rejects.toMatchObject({ causes: [{ field: 'networking.inbound[0].tags["version"]' }] });
  });

  it('bind a projected token to its own Pod', async () => {
    await expect(dataplane('sa-web-bound', 'web-1.shop')).resolves.toBeUndefined();
    await expect(dataplane('sa-web-bound', 'web-2.shop')).rejects.toThrow(/bound to Pod web-1, not web-2/);
  });

  it('refuse tokens the API server does not know, and users that are not ServiceAccounts', async () => {
    await expect(auth.authenticate('Bearer nobody-knows-me')).rejects.toMatchObject({
      code: 'Unauthenticated',
    });
    await expect(auth.authenticate('Bearer a-person')).rejects.toMatchObject({ code: 'Unauthenticated' });
    await expect(auth.authenticate(undefined)).rejects.toThrow(/ServiceAccount token/);
  });

  it('let zone ingresses in the control plane namespace through, and no one else', async () => {
    await expect(
      auth.authorizeIngress(
        await auth.authenticate('Bearer sa-ingress'),
        'zonemesh-ingress-0.zonemesh-system',
      ),
    ).resolves.toBeUndefined();
    await expect(
      auth.authorizeIngress(await auth.authenticate('Bearer sa-web'), 'ingress-1'),
    ).rejects.toMatchObject({
      code: 'Forbidden',
    });
  });

  it('still take zonemesh tokens', async () => {
    const { token } = await tokens.issue({
      kind: 'dataplane',
      mesh: 'default',
      name: 'vm-1',
      validForMs: 60_000,
    });
    await expect(dataplane(token, 'vm-1')).resolves.toBeUndefined();
    await expect(dataplane(token, 'vm-2')).rejects.toMatchObject({ code: 'Forbidden' });
  });
});

describe('tag coverage of a dataplane token', () => {
  it("follows Kuma: each tag the token names must be on every inbound with one of the token's values", () => {
    const allowed = { 'kuma.io/service': ['web', 'web-admin'], version: ['v1'] };
    expect(tagProblems(allowed, [{ 'kuma.io/service': 'web', version: 'v1', team: 'a' }])).toEqual([]);
    expect(tagProblems(undefined, [{ 'kuma.io/service': 'anything' }])).toEqual([]);
    expect(
      tagProblems(allowed, [
        { 'kuma.io/service': 'web-admin', version: 'v1' },
        { 'kuma.io/service': 'backend', version: 'v1' },
        { 'kuma.io/service': 'web' },
      ]),
    ).toEqual([
      {
        field: 'networking.inbound[1].tags["kuma.io/service"]',
        message: 'must be "web" or "web-admin" (the token allows no other)',
      },
      { field: 'networking.inbound[2].tags["version"]', message: 'must be "v1" (the token allows no other)' },
    ]);
    expect(tagProblems({ 'kuma.io/zone': ['zone-9'] }, [{ 'kuma.io/zone': 'zone-1' }])).toEqual([]);
  });
});
