/**
 * `zonemesh-cp`: the composition root. Parses the command line once, then wires the store, sync
 * and the REST API into one lifecycle that SIGTERM/SIGINT stop. Nothing imports this module.
 */
import {
  configOrExit,
  exitOnStartupError,
  formatHostPort,
  runUntilStopped,
  type ServerTls,
} from '@zonemesh/runtime';
import { parseCommandLine } from './command-line.js';
import { type ControlPlaneRuntime, createControlPlaneRuntime } from './control-plane-runtime.js';
import { setupDefaultMesh } from './default-mesh.js';
import { setupAuth } from './auth/setup-auth.js';
import { setupDpServer } from './dp-server/dp-server.js';
import { setupMeshCa } from './mesh-ca/setup-mesh-ca.js';
import { connectKubernetes, setupKubernetes } from './kubernetes-setup.js';
import { setupApiServer } from './rest/api-server.js';
import { setupStore } from './store-setup.js';
import { setupSync } from './sync-setup.js';
import { defaultTlsHostnames, loadServerTls } from './tls/server-tls.js';

const config = configOrExit(parseCommandLine(process.argv.slice(2), process.env));

const runtime = createControlPlaneRuntime(config);
const serverTls = await loadTls(runtime);
const kube = connectKubernetes(runtime, process.env);
const store = setupStore(runtime, kube);
setupDefaultMesh(runtime, store);
const federation = setupSync(runtime, store);
setupKubernetes(runtime, store, kube);
const auth = setupAuth(runtime, store, kube);
const meshCa = setupMeshCa(runtime, store, { workloadLifetimeMs: runtime.config.dpCertLifetime });
const dpServer = setupDpServer(runtime, { store, meshCa, auth: auth.proxies, tls: serverTls });
const api = setupApiServer(runtime, { store, federation, auth }, serverTls);
await runUntilStopped(runtime.lifecycle, runtime.log, {
  readyFields: () => ({
    version: runtime.version,
    apiAddress: formatHostPort(api.address()),
    dpServerAddress: formatHostPort(dpServer.address()),
  }),
});

/** The server certificate (`--tls-*`); a file that cannot be read or written ends the process (status 2). */
async function loadTls(cp: ControlPlaneRuntime): Promise<ServerTls | undefined> {
  const { config } = cp;
  try {
    return await loadServerTls(
      { ...config, tlsHostnames: [...defaultTlsHostnames(), ...config.tlsHostnames] },
      cp.log.child({ component: 'tls' }),
    );
  } catch (err) {
    exitOnStartupError('zonemesh-cp', err);
  }
}
