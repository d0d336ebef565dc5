/**
 * Locating server binaries (redis-server, nats-server) on this machine, with an install hint when
 * one is missing, so a failing test says what to do in one sentence.
 */
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

/** Directories searched after PATH: sbin folders are often missing from a non-root PATH. */
const extraDirs = ['/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin'];

/** The absolute path of an executable named `name` on PATH (or a usual bin/sbin folder), if any. */
export function locateBinary(name: string): string | undefined {
  const pathDirs = (process.env['PATH'] ?? '').split(delimiter).filter((dir) => dir !== '');
  for (const dir of [...pathDirs, ...extraDirs]) {
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here; keep looking
    }
  }
  return undefined;
}

/** Thrown when a server binary a test needs is not installed; the message names the fix. */
export class MissingBinaryError extends Error {
  override readonly name = 'MissingBinaryError';
  readonly binary: string;

  constructor(binary: string, installHint: string) {
    super(`${binary} is not installed and no container runtime answers: install it with \`${installHint}\``);
    this.binary = binary;
  }
}

/**
 * The absolute path of `name`, or a {@link MissingBinaryError} whose one-sentence message carries
 * `installHint` (for example `apt-get install -y redis-server`).
 */
export function findBinary(name: string, installHint: string): string {
  const found = locateBinary(name);
  if (found === undefined) throw new MissingBinaryError(name, installHint);
  return found;
}
