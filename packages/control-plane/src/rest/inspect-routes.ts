/**
 * `POST /meshes/{mesh}/_inspect/traffic`: which policy decides a (source, destination) call and
 * why. A read: anyone who may read may ask.
 */
import type { Router } from '@zonemesh/runtime';
import type { ApiDependencies } from './api-dependencies.js';

/** Registers the inspection routes. */
export function addInspectRoutes(router: Router, _deps: ApiDependencies): void {
  router.post('/meshes/:mesh/_inspect/traffic', () => ({
    status: 501,
    body: {
      title: 'traffic inspection is not available in this build yet',
      details: 'NotImplemented',
      causes: [],
    },
  }));
}
