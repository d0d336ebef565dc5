/**
 * The pino root logger. One per process, made in `main.ts`; components log through
 * `log.child({ component })`. Messages are constant lowercase sentences and data goes in the
 * object, so logs can be grepped and aggregated: `log.info({ zone }, 'zone connected')`.
 */
import { pino, type DestinationStream, type Level, type Logger } from 'pino';

/** Fields never written in clear, at the top level or one object deep. */
export const redactedFields: readonly string[] = [
  'token',
  'key',
  'password',
  'secret',
  'credentials',
  'authorization',
  'privateKey',
];

const redactPaths = [
  ...redactedFields,
  ...redactedFields.map((field) => `*.${field}`),
  'req.headers.authorization',
  'headers.authorization',
];

export interface LoggerOptions {
  /** Default `info`; `silent` for tests. */
  readonly level?: Level | 'silent';
  /** Fields on every line, e.g. `{ service: 'zonemesh-cp', mode: 'zone' }`. */
  readonly base?: Readonly<Record<string, unknown>>;
  /** Where lines go; default stdout, written synchronously so nothing is lost on exit. */
  readonly destination?: DestinationStream;
}

/**
 * Makes the root logger: JSON lines with an ISO time and the level as a word (`"level":"info"`),
 * token/key/password fields replaced by `[redacted]`.
 */
export function createLogger(options: LoggerOptions = {}): Logger {
  return pino(
    {
      level: options.level ?? 'info',
      base: { ...options.base },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      redact: { paths: redactPaths, censor: '[redacted]' },
    },
    options.destination ?? pino.destination({ dest: 1, sync: true }),
  );
}

export type { Level as LogLevel, Logger };
