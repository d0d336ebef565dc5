/**
 * The runtime every `setupX` of the control plane receives: the process runtime (config, root
 * logger, metrics registry, lifecycle) plus the control plane's own identity.
 */
import { readFileSync } from 'node:fs';
import { createRuntime, type Runtime } from '@zonemesh/runtime';
import type { ControlPlaneConfig } from './config.js';

export interface ControlPlaneRuntime extends Runtime<ControlPlaneConfig> {
  /** This build's version, from package.json (shown by `GET /`). */
  readonly version: string;
}

/** Makes the runtime from a checked config: the one root logger (stdout), registry and lifecycle. */
export function createControlPlaneRuntime(config: ControlPlaneConfig): ControlPlaneRuntime {
  const runtime = createRuntime(config, {
    level: config.logLevel,
    base: {
      service: 'zonemesh-cp',
      mode: config.mode,
      ...(config.zone === undefined ? {} : { zone: config.zone }),
    },
  });
  return { ...runtime, version: packageVersion() };
}

/** The version in this package's package.json (`dist/` sits next to it). */
function packageVersion(): string {
  const text = readFileSync(new URL('../package.json', import.meta.url), 'utf8');
  const { version } = JSON.parse(text) as { version?: unknown };
  return typeof version === 'string' ? version : 'unknown';
}
