/**
 * `zonemesh-dp`: the composition root. Parses the command line and the dataplane file once,
 * then runs the admin server and the sidecar in one lifecycle that SIGTERM/SIGINT stop.
 * Nothing imports this module.
 */
import {
  configOrExit,
  createRuntime,
  exitOnStartupError,
  formatHostPort,
  readFlagFile,
  runUntilStopped,
  trustCaCertFile,
} from '@zonemesh/runtime';
import { setupAdminServer } from '@zonemesh/proxy';
import { parseCommandLine } from './command-line.js';
import { readDataplaneFile } from './dataplane-file.js';
import { createSidecarMetrics } from './sidecar-metrics.js';
import { setupSidecar, type SidecarStatus } from './sidecar.js';

const config = configOrExit(parseCommandLine(process.argv.slice(2), process.env));

let file: Awaited<ReturnType<typeof readDataplaneFile>>;
let token: string | undefined;
try {
  file = await readDataplaneFile(config.dataplaneFile, config.dataplaneVar);
  token =
    config.dataplaneTokenFile === undefined
      ? undefined
      : readFlagFile(config.dataplaneTokenFile, {
          flag: '--dataplane-token-file',
          what: 'dataplane token file',
          trim: true,
        });
  trustCaCertFile(config.caCertFile);
} catch (err) {
  exitOnStartupError('zonemesh-dp', err);
}

const runtime = createRuntime(config, {
  level: config.logLevel,
  base: { service: 'zonemesh-dp', mesh: file.mesh, name: file.name },
});
const metrics = createSidecarMetrics(runtime.metrics);
let sidecar: SidecarStatus | undefined;
const admin = setupAdminServer(runtime, () => sidecar);
sidecar = setupSidecar(runtime, { file, token, metrics });
await runUntilStopped(runtime.lifecycle, runtime.log, {
  readyFields: () => ({ adminAddress: formatHostPort(admin.address()) }),
});
