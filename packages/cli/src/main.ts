/**
 * zmctl's composition root: the real process's arguments, environment and streams go into the
 * dispatcher; its result becomes the exit code. Nothing imports this module.
 */
import { text } from 'node:stream/consumers';
import type { CliIo } from './command.js';
import { runCommandLine } from './command-line.js';

const io: CliIo = {
  out: (chunk) => process.stdout.write(chunk),
  err: (chunk) => process.stderr.write(chunk),
  readStdin: () => text(process.stdin),
};

process.exitCode = await runCommandLine(process.argv.slice(2), process.env, io);
