/**
 * `zonemesh-ingress`: the composition root. Parses the command line and the ingress file once,
 * then runs the admin server and the ingress in one lifecycle that SIGTERM/SIGINT stop. Nothing
 * imports this module.
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
import { type IngressFile, readIngressFile } from './ingress-file.js';
import { createIngressMetrics } from './ingress-metrics.js';
import { type IngressStatus, setupZoneIngress } from './zone-ingress.js';

const config = configOrExit(parseCommandLine(process.argv.slice(2), process.env));

let file: IngressFile;
let token: string | undefined;
try {
  file = await readIngressFile(config.ingressFile);
  token =
    config.tokenFile === undefined
      ? undefined
      : readFlagFile(config.tokenFile, { flag: '--token-file', what: 'token file', trim: true });
  trustCaCertFile(config.caCertFile);
} catch (err) {
  exitOnStartupError('zonemesh-ingress', err);
}

const runtime = createRuntime(config, {
  level: config.logLevel,
  base: { service: 'zonemesh-ingress', name: file.name },
});
const metrics = createIngressMetrics(runtime.metrics);
let ingress: IngressStatus | undefined;
const admin = setupAdminServer(runtime, () => ingress);
ingress = setupZoneIngress(runtime, { file, token, metrics });
await runUntilStopped(runtime.lifecycle, runtime.log, {
  readyFields: () => ({
    address: `${file.address}:${file.port}`,
    adminAddress: formatHostPort(admin.address()),
  }),
});
