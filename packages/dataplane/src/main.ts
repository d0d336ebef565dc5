/**
 * `zonemesh-dp`: the composition root. Parses the command line and the dataplane file once,
 * then runs the admin server and the sidecar in one lifecycle that SIGTERM/SIGINT stop.
 * Nothing imports this module.
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
import { readDataplaneFile } from './dataplane-file.js';
import { createProxyMetrics } from './proxy-metrics.js';
import { setupSidecar, type SidecarStatus } from './sidecar.js';

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

let file: Awaited<ReturnType<typeof readDataplaneFile>>;
let token: string | undefined;
try {
  file = await readDataplaneFile(config.dataplaneFile, config.dataplaneVar);
  token = config.dataplaneTokenFile === undefined ? undefined : readToken(config.dataplaneTokenFile);
  if (config.caCertFile !== undefined) trustCertificateAuthority(readCaFile(config.caCertFile));
} catch (err) {
  const error = toMeshError(err);
  const causes = error.causes.map((cause) => `  ${cause.field}: ${cause.message}`);
  process.stderr.write(`zonemesh-dp: ${error.message}\n${causes.join('\n')}\n`);
  process.exit(2);
}

const log = createLogger({
  level: config.logLevel,
  base: { service: 'zonemesh-dp', mesh: file.mesh, name: file.name },
});
const runtime = { config, log, metrics: createMetricsRegistry(), lifecycle: createLifecycle({ log }) };
const metrics = createProxyMetrics(runtime.metrics);
let sidecar: SidecarStatus | undefined;
const admin = setupAdminServer(runtime, () => sidecar);
sidecar = setupSidecar(runtime, { file, token, metrics });
await runUntilStopped(runtime.lifecycle, log, {
  readyFields: () => {
    const address = admin.address();
    return { adminAddress: address === undefined ? undefined : `${address.host}:${address.port}` };
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
    throw new MeshError('InvalidInput', `cannot read dataplane token file ${path}`, {
      causes: [{ field: '--dataplane-token-file', message: (err as Error).message }],
    });
  }
}
