/**
 * `zonemesh-ingress`: the composition root. Parses the command line and the ingress file once,
 * then runs the admin server and the ingress in one lifecycle that SIGTERM/SIGINT stop. Nothing
 * imports this module.
 */
import { readFileSync } from 'node:fs';
import { MeshError, toMeshError } from '@zonemesh/api';
import {
  createLifecycle,
  createLogger,
  createMetricsRegistry,
  runUntilStopped,
  trustCertificateAuthority,
} from '@zonemesh/runtime';
import { setupAdminServer } from './admin-server.js';
import { parseCommandLine } from './command-line.js';
import { type IngressFile, readIngressFile } from './ingress-file.js';
import { createIngressMetrics } from './ingress-metrics.js';
import { type IngressStatus, setupZoneIngress } from './zone-ingress.js';

const commandLine = parseCommandLine(process.argv.slice(2), process.env);
if (commandLine.kind === 'help') {
  process.stdout.write(commandLine.text);
  process.exit(0);
}
if (commandLine.kind === 'usage-error') {
  process.stderr.write(commandLine.text);
  process.exit(2);
}
const { config } = commandLine;

let file: IngressFile;
let token: string | undefined;
try {
  file = await readIngressFile(config.ingressFile);
  token = config.tokenFile === undefined ? undefined : readToken(config.tokenFile);
  if (config.caCertFile !== undefined) trustCertificateAuthority(readCaFile(config.caCertFile));
} catch (err) {
  const error = toMeshError(err);
  const causes = error.causes.map((cause) => `  ${cause.field}: ${cause.message}`);
  process.stderr.write(`zonemesh-ingress: ${error.message}\n${causes.join('\n')}\n`);
  process.exit(2);
}

const log = createLogger({ level: config.logLevel, base: { service: 'zonemesh-ingress', name: file.name } });
const runtime = { config, log, metrics: createMetricsRegistry(), lifecycle: createLifecycle({ log }) };
const metrics = createIngressMetrics(runtime.metrics);
let ingress: IngressStatus | undefined;
const admin = setupAdminServer(runtime, () => ingress);
ingress = setupZoneIngress(runtime, { file, token, metrics });
await runUntilStopped(runtime.lifecycle, log, {
  readyFields: () => {
    const address = admin.address();
    return {
      address: `${file.address}:${file.port}`,
      adminAddress: address === undefined ? undefined : `${address.host}:${address.port}`,
    };
  },
});

function readCaFile(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    throw new MeshError('InvalidInput', `cannot read CA file ${path}`, {
      causes: [{ field: '--ca-cert-file', message: (err as Error).message }],
    });
  }
}

function readToken(path: string): string {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch (err) {
    throw new MeshError('InvalidInput', `cannot read token file ${path}`, {
      causes: [{ field: '--token-file', message: (err as Error).message }],
    });
  }
}
