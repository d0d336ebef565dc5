import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { isMeshError } from '@zonemesh/api';
import { afterAll, describe, expect, it } from 'vitest';
import { findKubeConfig } from './kube-config.js';

const root = mkdtempSync(join(tmpdir(), 'zonemesh-kubeconfig-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function kubeconfig(server: string, namespace?: string): string {
  return [
    'apiVersion: v1',
    'kind: Config',
    'clusters: [{name: c, cluster: {server: "' + server + '"}}]',
    'users: [{name: u, user: {token: t}}]',
    `contexts: [{name: x, context: {cluster: c, user: u${namespace === undefined ? '' : `, namespace: ${namespace}`}}}]`,
    'current-context: x',
    '',
  ].join('\n');
}

function file(name: string, text: string): string {
  const path = join(root, name);
  writeFileSync(path, text);
  return path;
}

describe('findKubeConfig', () => {
  const home = join(root, 'home');
  mkdirSync(join(home, '.kube'), { recursive: true });
  writeFileSync(join(home, '.kube', 'config'), kubeconfig('https://home.example:6443'));
  const account = join(root, 'serviceaccount');
  mkdirSync(account, { recursive: true });
  writeFileSync(join(account, 'token'), 'in-cluster-token');
  writeFileSync(join(account, 'ca.crt'), '');

  it('prefers the in-cluster service account', () => {
    const found = findKubeConfig({
      env: {
        KUBERNETES_SERVICE_HOST: '10.96.0.1',
        KUBERNETES_SERVICE_PORT: '443',
        KUBECONFIG: file('a', kubeconfig('https://a:6443')),
      },
      homeDir: home,
      serviceAccountDir: account,
    });
    expect(found).toMatchObject({ source: 'in-cluster', server: 'https://10.96.0.1:443' });
  });

  it('then KUBECONFIG (several files, the first one wins), then ~/.kube/config', () => {
    const first = file('first', kubeconfig('https://first:6443', 'apps'));
    const second = file('second', kubeconfig('https://second:6443'));
    const fromEnv = findKubeConfig({
      env: { KUBECONFIG: [first, second].join(delimiter) },
      homeDir: home,
      serviceAccountDir: account,
    });
    expect(fromEnv).toMatchObject({ source: 'KUBECONFIG', server: 'https://first:6443', namespace: 'apps' });
    // In a Pod without a mounted token, the host variable alone does not count.
    const fromHome = findKubeConfig({
      env: { KUBERNETES_SERVICE_HOST: '10.96.0.1' },
      homeDir: home,
      serviceAccountDir: join(root, 'none'),
    });
    expect(fromHome).toMatchObject({ source: '~/.kube/config', server: 'https://home.example:6443' });
  });

  it('names every place it looked when there is none', () => {
    let caught: unknown;
    try {
      findKubeConfig({ env: {}, homeDir: join(root, 'nobody'), serviceAccountDir: join(root, 'none') });
    } catch (err) {
      caught = err;
    }
    expect(isMeshError(caught, 'InvalidInput')).toBe(true);
    expect((caught as Error).message).toMatch(
      /not in a cluster .* no KUBECONFIG, no .*nobody\/\.kube\/config/,
    );
    expect(() => findKubeConfig({ env: { KUBECONFIG: join(root, 'missing') }, homeDir: home })).toThrow(
      /no file of KUBECONFIG exists/,
    );
  });
});
