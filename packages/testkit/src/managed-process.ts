/**
 * Server processes started by tests (redis-server, nats-server). Each one is tracked in a
 * process-wide registry that kills every child still running when this process exits or gets
 * SIGINT/SIGTERM, so an aborted test run leaves nothing behind.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { connect } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

/** How a process ended: an exit code, or the signal that ended it. */
export interface ProcessExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

export interface StartProcessOptions {
  /** Executable path (see `findBinary`). */
  readonly command: string;
  readonly args?: readonly string[];
  readonly cwd?: string;
  readonly env?: NodeJS.ProcessEnv;
  /** Used in error messages; defaults to the command's base name. */
  readonly name?: string;
  /** Resolve only once this TCP port on `host` (default 127.0.0.1) accepts connections. */
  readonly readyPort?: number;
  readonly readyHost?: string;
  /** Deadline for `readyPort` to answer, default 10 s (generous for a loaded 2-core machine). */
  readonly readyTimeoutMs?: number;
}

/** A running child process with its recent output kept for error messages. */
export interface ManagedProcess {
  readonly name: string;
  readonly pid: number;
  /** Settles once the process has exited (never rejects). */
  readonly exited: Promise<ProcessExit>;
  /** Whether the process has not exited yet. */
  isRunning(): boolean;
  /** The last 64 KiB of stdout and stderr, interleaved as received. */
  output(): string;
  /**
   * Sends `signal` (default SIGTERM) and waits for the exit; after `graceMs` (default 10 s) it
   * sends SIGKILL. Idempotent: on an exited process it returns how it ended.
   */
  stop(signal?: NodeJS.Signals, graceMs?: number): Promise<ProcessExit>;
  /** SIGKILL (a crash, for failure tests) and wait for the exit. Idempotent. */
  kill(): Promise<ProcessExit>;
}

const outputLimit = 64 * 1024;

/** Children still running, killed on exit. */
const running = new Set<ChildProcess>();
/** Synchronous clean-ups (temporary folders) run once when this process exits. */
const cleanups = new Set<() => void>();
let hooksInstalled = false;

/** How many children started through this module are still running (for leak checks). */
export function runningProcessCount(): number {
  return running.size;
}

/**
 * Runs `cleanup` synchronously when this process exits (normally or on SIGINT/SIGTERM), after
 * every child has been killed. Returns a function that unregisters it.
 */
export function registerCleanup(cleanup: () => void): () => void {
  installExitHooks();
  cleanups.add(cleanup);
  return () => cleanups.delete(cleanup);
}

/** SIGKILLs every tracked child and runs the registered clean-ups. Safe to call more than once. */
export function killAllProcesses(): void {
  for (const child of running) {
    try {
      child.kill('SIGKILL');
    } catch {
      // already gone
    }
  }
  running.clear();
  for (const cleanup of cleanups) {
    try {
      cleanup();
    } catch {
      // best effort while exiting
    }
  }
  cleanups.clear();
}

/**
 * Installed on first use, not at import (no module starts work at import). On SIGINT/SIGTERM the
 * children are killed first; if nobody else listens for the signal it is raised again so the
 * process still ends the way the sender meant.
 */
function installExitHooks(): void {
  if (hooksInstalled) return;
  hooksInstalled = true;
  process.on('exit', killAllProcesses);
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    const onSignal = (): void => {
      killAllProcesses();
      if (process.listenerCount(signal) === 1) {
        process.removeListener(signal, onSignal);
        process.kill(process.pid, signal);
      }
    };
    process.on(signal, onSignal);
  }
}

/**
 * Spawns a server binary and, when `readyPort` is given, waits until that port answers. Fails with
 * the process's output when it exits early or the port does not answer before the deadline (the
 * process is killed then).
 */
export async function startProcess(options: StartProcessOptions): Promise<ManagedProcess> {
  installExitHooks();
  const name = options.name ?? options.command.split('/').pop() ?? options.command;
  const child = spawn(options.command, options.args ?? [], {
    cwd: options.cwd,
    env: options.env ?? process.env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const capture = (chunk: Buffer): void => {
    output += chunk.toString('utf8');
    if (output.length > outputLimit) output = output.slice(output.length - outputLimit);
  };
  child.stdout?.on('data', capture);
  child.stderr?.on('data', capture);

  let exit: ProcessExit | undefined;
  const exited = new Promise<ProcessExit>((resolve) => {
    child.once('exit', (code, signal) => {
      exit = { code, signal };
      running.delete(child);
      resolve(exit);
    });
  });
  const spawned = await new Promise<Error | undefined>((resolve) => {
    child.once('spawn', () => resolve(undefined));
    child.once('error', resolve);
  });
  if (spawned !== undefined) throw new Error(`${name} could not be started: ${spawned.message}`);
  running.add(child);
  const pid = child.pid ?? -1;

  const signalAndWait = async (signal: NodeJS.Signals, graceMs: number): Promise<ProcessExit> => {
    if (exit !== undefined) return exit;
    child.kill(signal);
    if (signal === 'SIGKILL') return exited;
    const timer = sleep(graceMs, 'timeout' as const, { ref: false });
    if ((await Promise.race([exited, timer])) === 'timeout') child.kill('SIGKILL');
    return exited;
  };

  const managed: ManagedProcess = {
    name,
    pid,
    exited,
    isRunning: () => exit === undefined,
    output: () => output,
    stop: (signal = 'SIGTERM', graceMs = 10_000) => signalAndWait(signal, graceMs),
    kill: () => signalAndWait('SIGKILL', 0),
  };

  if (options.readyPort !== undefined) {
    const host = options.readyHost ?? '127.0.0.1';
    const timeoutMs = options.readyTimeoutMs ?? 10_000;
    try {
      await waitForPort(options.readyPort, { host, timeoutMs, exited });
    } catch (err) {
      await managed.kill();
      const reason = err instanceof Error ? err.message : String(err);
      throw new Error(
        `${name} did not become ready: ${reason}\n--- ${name} output ---\n${output.trimEnd()}`,
        {
          cause: err,
        },
      );
    }
  }
  return managed;
}

export interface WaitForPortOptions {
  readonly host?: string;
  /** Default 10 s. */
  readonly timeoutMs?: number;
  /** Stop waiting early when this settles (the server process exited). */
  readonly exited?: Promise<ProcessExit>;
}

/** Resolves once `host:port` accepts a TCP connection; rejects at the deadline or early exit. */
export async function waitForPort(port: number, options: WaitForPortOptions = {}): Promise<void> {
  const host = options.host ?? '127.0.0.1';
  const deadline = Date.now() + (options.timeoutMs ?? 10_000);
  let exit: ProcessExit | undefined;
  void options.exited?.then((value) => {
    exit = value;
  });
  for (;;) {
    if (exit !== undefined) {
      throw new Error(`it exited (code ${exit.code}, signal ${exit.signal}) before port ${port} answered`);
    }
    if (await answers(host, port)) return;
    if (Date.now() >= deadline) throw new Error(`port ${host}:${port} did not answer within the deadline`);
    await sleep(50);
  }
}

function answers(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1_000, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}
