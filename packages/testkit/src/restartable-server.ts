/**
 * What every server the test kit starts can do: report whether it runs and what it logged, stop
 * for good, crash (SIGKILL), and restart on the same port(s) and data folder so persistence can
 * be tested.
 */
export interface RestartableServer {
  /** Whether the server process is up. */
  isRunning(): boolean;
  /** The server's recent log output (empty for a container). */
  output(): string;
  /** Graceful shutdown for good; removes the folders the test kit created. Idempotent. */
  stop(): Promise<void>;
  /** SIGKILL, as a crash would; the data folder stays so that `restart()` can follow. */
  kill(): Promise<void>;
  /**
   * Stops gracefully if running (already killed is fine), then starts again on the same port(s)
   * and data folder, and resolves once the server answers: data written before a SIGKILL survives
   * where the server persists it.
   */
  restart(): Promise<void>;
}
