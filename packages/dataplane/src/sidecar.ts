/**
 * The sidecar component: registers its Dataplane with the zone control plane (with a CSR when a
 * certificate is needed), holds the config stream, and turns each pushed `ProxyConfig` into
 * inbound and outbound listeners, keyed by address and port so a new config updates them in
 * place and never drops an established connection. Serves its last config while the control
 * plane is away. Its `start` resolves once the first config is served, so the process logs
 * `ready` only then.
 */
import {
  CertificateResponseSchema,
  dpProtocolVersion,
  type ProxyConfig,
  ProxyStreamMessageSchema,
  RegisterResponseSchema,
} from '@zonemesh/api';
import { createMtlsClient, type MtlsClient } from '@zonemesh/proxy';
import type { Runtime } from '@zonemesh/runtime';
import { createAppHealth, probeSettingsOf } from './app-health.js';
import type { DataplaneConfig } from './config.js';
import { createControlPlaneLink, runSession } from '@zonemesh/proxy';
import type { DataplaneFile } from './dataplane-file.js';
import { createInboundListener, type InboundListener, type InboundSecurity } from './inbound-listener.js';
import { createOutboundListener, type OutboundListener, type UpstreamSecurity } from './outbound-listener.js';
import type { SidecarMetrics } from './sidecar-metrics.js';
import * as z from 'zod';
import { createWorkloadIdentity } from './workload-identity.js';

/** What the admin server asks of the sidecar. */
export interface SidecarStatus {
  /** True once a config is being served (and stays true while the control plane is away). */
  serving(): boolean;
}

/** What {@link setupSidecar} needs besides the runtime. */
export interface SidecarDependencies {
  readonly file: DataplaneFile;
  readonly token: string | undefined;
  readonly metrics: SidecarMetrics;
}

/** Adds the sidecar component to the runtime's lifecycle. */
export function setupSidecar(runtime: Runtime<DataplaneConfig>, deps: SidecarDependencies): SidecarStatus {
  const { file, metrics } = deps;
  const log = runtime.log.child({ component: 'sidecar' });
  let serving = false;

  runtime.lifecycle.add({
    name: 'sidecar',
    async start(own) {
      // The root signal too: `start` waits for the first config, and a stop requested meanwhile
      // aborts only the root (a component's own signal is aborted once it has started).
      const signal = AbortSignal.any([own, runtime.lifecycle.signal]);
      const link = createControlPlaneLink({ baseUrl: runtime.config.cpAddress, token: deps.token });
      const identity = createWorkloadIdentity({
        log,
        request: async (csr) => {
          const body = { v: dpProtocolVersion, kind: 'Dataplane', mesh: file.mesh, name: file.name, csr };
          const answer = await link.post('/v1/certificates', body, CertificateResponseSchema);
          if (answer === undefined)
            throw new Error('control plane answered the certificate request without a body');
          return answer;
        },
      });
      const fileInbounds = file.resource.spec.networking?.inbound ?? [];
      const appHealth = createAppHealth({
        log,
        signal,
        settingsFor: (port) => probeSettingsOf(fileInbounds.find((inbound) => inbound.port === port)),
        report: async (inbounds) => {
          await link.post(
            '/v1/health',
            { v: dpProtocolVersion, mesh: file.mesh, name: file.name, inbounds },
            z.unknown(),
          );
        },
      });

      const inbounds = new Map<string, InboundListener>();
      const outbounds = new Map<string, OutboundListener>();
      let config: ProxyConfig | undefined;
      let client: MtlsClient | undefined;
      let markServing: () => void = () => {};
      const firstConfig = new Promise<void>((resolve) => {
        markServing = resolve;
      });

      const security = (): InboundSecurity & UpstreamSecurity => ({
        mtls: config?.mtls.enabled ?? false,
        identity: identity.current(),
        client,
      });

      const apply = (next: ProxyConfig) => {
        if (next.version === config?.version) return;
        config = next;
        identity.setMtls(next.mtls.enabled, next.mtls.rootsPem);
        const now = security();
        const context = {
          mesh: next.mesh,
          zone: next.zone,
          metrics,
          log,
          signal,
          appHealthy: (port: number) => appHealth.isHealthy(port),
        };
        reconcile(
          inbounds,
          next.inbounds,
          (inbound) => createInboundListener(inbound, now, context),
          (listener, inbound) => listener.update(inbound, now),
        );
        reconcile(
          outbounds,
          next.outbounds,
          (outbound) => createOutboundListener(outbound, now, context),
          (listener, outbound) => listener.update(outbound, now),
        );
        appHealth.setInbounds(next.inbounds);
        metrics.configUpdates.inc();
        log.info(
          {
            version: next.version,
            mtls: next.mtls.enabled,
            inbounds: next.inbounds.length,
            outbounds: next.outbounds.map((o) => `${o.service}:${o.endpoints.length}`),
          },
          'config applied',
        );
        if (!serving) {
          serving = true;
          markServing();
        }
      };

      identity.onChange((current) => {
        if (client === undefined) client = createMtlsClient(current);
        else client.setIdentity(current);
        if (config === undefined) return;
        const now = security();
        for (const inbound of config.inbounds) inbounds.get(keyOf(inbound))?.update(inbound, now);
        for (const outbound of config.outbounds) outbounds.get(keyOf(outbound))?.update(outbound, now);
      });

      const session = runSession({
        link,
        log,
        signal,
        schema: ProxyStreamMessageSchema,
        async register() {
          const csr = await identity.csrForRegistration();
          const body = {
            v: dpProtocolVersion,
            kind: 'Dataplane',
            resource: file.universal,
            ...(csr === undefined ? {} : { csr }),
          };
          const answer = await link.post('/v1/register', body, RegisterResponseSchema);
          if (answer === undefined) throw new Error('control plane answered the registration without a body');
          if (answer.certificate !== undefined) identity.acceptIssued(answer.certificate);
          metrics.info.reset();
          metrics.info.set(
            { kind: 'sidecar', mesh: answer.mesh ?? file.mesh, name: answer.name, zone: answer.zone },
            1,
          );
          appHealth.reportSoon();
          return answer;
        },
        query: (answer) => ({ kind: 'Dataplane', mesh: answer.mesh ?? file.mesh, name: answer.name }),
        onMessage(message) {
          if (message.type === 'config') apply(message.config);
        },
        onConnected(connected) {
          metrics.controlPlaneConnected.set(connected ? 1 : 0);
          log.info(
            { cpAddress: runtime.config.cpAddress },
            connected ? 'control plane connected' : 'control plane disconnected; serving the last config',
          );
        },
      });

      const done = session.then(() => identity.close());
      await Promise.race([
        firstConfig,
        new Promise((resolve) => signal.addEventListener('abort', resolve, { once: true })),
      ]);
      return { done };
    },
  });

  return { serving: () => serving };
}

function keyOf(listener: { readonly address: string; readonly port: number }): string {
  return `${listener.address}:${listener.port}`;
}

/** Creates, updates and closes listeners so they match `wanted` (keyed by address and port). */
function reconcile<
  C extends { readonly address: string; readonly port: number },
  L extends { close(): Promise<void> },
>(
  running: Map<string, L>,
  wanted: readonly C[],
  create: (config: C) => L,
  update: (listener: L, config: C) => void,
): void {
  const keys = new Set<string>();
  for (const config of wanted) {
    const key = keyOf(config);
    keys.add(key);
    const listener = running.get(key);
    if (listener === undefined) running.set(key, create(config));
    else update(listener, config);
  }
  for (const [key, listener] of running) {
    if (keys.has(key)) continue;
    void listener.close();
    running.delete(key);
  }
}
