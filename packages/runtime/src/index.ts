/** @zonemesh/runtime — process plumbing shared by every zonemesh deployable. */
export {
  DurationSchema,
  HostPortSchema,
  envName,
  formatFlagHelp,
  formatHostPort,
  loadConfig,
  parseDuration,
} from './config.js';
export {
  configOrExit,
  exitOnStartupError,
  formatUsage,
  parseRunCommandLine,
  readFlagFile,
} from './command-line.js';
export { createHttpServer, errorBody, isLoopback, serverLimits } from './http-server.js';
export { trustCaCertFile, trustCertificateAuthority } from './tls-trust.js';
export { createRuntime } from './runtime.js';
export { createLifecycle, runUntilStopped, stopOnTerminationSignals } from './lifecycle.js';
export { createLogger, redactedFields } from './logger.js';
export { createMetricsRegistry } from './metrics.js';
export { decodeBody, defaultBodyLimitBytes, readBodyText } from './request-body.js';
export { createRouter } from './router.js';
export type { CommandLine, RunCommandLineOptions } from './command-line.js';
export type {
  FlagDefinition,
  FlagDefinitions,
  HostPort,
  LoadConfigOptions,
  LoadedConfig,
  RawConfig,
} from './config.js';
export type { ErrorBody, HttpServer, HttpServerOptions, ServerTls } from './http-server.js';
export type { Component, Lifecycle, RunningComponent } from './lifecycle.js';
export type { LoggerOptions, LogLevel, Logger } from './logger.js';
export type { MetricsOptions, Registry } from './metrics.js';
export type { HttpRequest, HttpResponse, RouteHandler, RouteMatch, Router } from './router.js';
export type { Runtime } from './runtime.js';
