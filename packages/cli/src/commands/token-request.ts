/**
 * What the `zmctl generate *-token` commands share: asking the control plane's token endpoint
 * and printing the bare token and a newline on stdout, nothing else (so scripts can write it to a
 * file as is). The control plane decides who may ask (admins) and checks every field.
 */
import { MeshError } from '@zonemesh/api';
import type { CliIo } from '../command.js';
import { ExitCode } from '../command.js';
import { createControlPlaneClient } from '../cp-client.js';
import type { GlobalOptions } from '../global-options.js';

/** POSTs a token request to `path` (`/tokens/dataplane`, ...) and prints the token. */
export async function printToken(
  options: GlobalOptions,
  io: CliIo,
  path: string,
  body: Readonly<Record<string, unknown>>,
): Promise<ExitCode> {
  const client = await createControlPlaneClient(options);
  const { body: answer } = await client.request('POST', path, { body });
  const token = typeof answer === 'string' ? answer.trim() : '';
  if (!/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/.test(token)) {
    throw new MeshError(
      'Internal',
      `the control plane answered POST ${path} with something that is not a token`,
    );
  }
  io.out(`${token}\n`);
  return ExitCode.ok;
}

/** The `--valid-for` flag every token command has. */
export const validForFlag = {
  type: 'string',
  valueName: 'DURATION',
  description:
    "how long the token is valid, e.g. 30m, 24h, 8760h (at most the control plane's --token-max-validity)",
} as const;
