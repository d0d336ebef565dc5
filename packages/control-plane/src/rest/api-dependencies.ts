/** What the REST API's routes work with. */
import type { ResourceStore } from '@zonemesh/store';
import type { ControlPlaneAuth } from '../auth/setup-auth.js';
import type { ControlPlaneConfig } from '../config.js';
import type { Federation } from '../federation.js';

export interface ApiDependencies {
  readonly config: ControlPlaneConfig;
  /** This build's version, shown by `GET /`. */
  readonly version: string;
  readonly store: ResourceStore;
  readonly federation: Federation;
  /** Tokens: who callers are, and the token endpoints. */
  readonly auth: ControlPlaneAuth;
}
