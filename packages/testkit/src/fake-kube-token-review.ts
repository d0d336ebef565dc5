/**
 * TokenReviews for the fake Kubernetes API (`POST /apis/authentication.k8s.io/v1/tokenreviews`),
 * as a control plane uses them to check a Pod's ServiceAccount token: the API server answers
 * whether the token is valid and whose it is. Here a token is valid when it is one of the fake
 * API's tokens (`StartFakeKubeApiOptions.users`), and its user is the name it was given
 * (`system:serviceaccount:<namespace>:<name>` for service accounts). `podBindings` adds what a
 * bound (projected) token carries: the Pod it was issued for.
 */
import type { KubeObject } from './fake-kube-storage.js';

/** The path a TokenReview is created at. */
export const tokenReviewPath = '/apis/authentication.k8s.io/v1/tokenreviews';

/** Answers a TokenReview request body with its status filled in (never throws). */
export function reviewToken(
  body: unknown,
  users: ReadonlyMap<string, string>,
  podBindings: Readonly<Record<string, string>> = {},
): KubeObject {
  const token = (body as { spec?: { token?: unknown } } | undefined)?.spec?.token;
  const username = typeof token === 'string' ? users.get(token) : undefined;
  const pod = typeof token === 'string' ? podBindings[token] : undefined;
  return {
    apiVersion: 'authentication.k8s.io/v1',
    kind: 'TokenReview',
    spec: { token: typeof token === 'string' ? '[redacted]' : '' },
    status:
      username === undefined
        ? { authenticated: false, error: 'token not recognised' }
        : {
            authenticated: true,
            user: {
              username,
              groups: username.startsWith('system:serviceaccount:') ? ['system:serviceaccounts'] : [],
              ...(pod === undefined ? {} : { extra: { 'authentication.kubernetes.io/pod-name': [pod] } }),
            },
          },
  };
}
