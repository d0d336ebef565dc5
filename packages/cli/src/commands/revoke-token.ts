/**
 * `zmctl revoke token ID` or `zmctl revoke token -f FILE`: the control plane refuses that token
 * from now on. Revoked on global, it is refused in every zone too (within a second for connected
 * zones).
 */
import { type Command, ExitCode, UsageError } from '../command.js';
import { createControlPlaneClient } from '../cp-client.js';
import { readTokenClaims } from './token-file.js';

export const revokeTokenCommand: Command = {
  name: 'revoke token',
  summary: 'revoke a token by its id (or its file)',
  synopsis: 'ID | -f FILE',
  description: [
    'Revokes a dataplane, zone or user token: the control plane refuses it from then on. Revoke',
    'on the control plane that issued it, or on global to reach every zone. The id is what zmctl',
    'inspect token shows; -f reads it from the token file itself.',
  ].join('\n'),
  flags: {
    file: { type: 'string', short: 'f', valueName: 'FILE', description: 'the token file, - for stdin' },
  },
  acceptsArgs: true,
  async run({ options, flags, args, io }) {
    const file = flags.file as string | undefined;
    if ((file === undefined) === (args.length === 0) || args.length > 1) {
      throw new UsageError('give the token id or -f FILE (one of them)');
    }
    const id = file === undefined ? (args[0] ?? '') : String((await readTokenClaims(file, io)).jti);
    const client = await createControlPlaneClient(options);
    const { body } = await client.request('POST', '/tokens/revocations', { body: { id } });
    const already =
      typeof body === 'object' && body !== null && (body as { already?: unknown }).already === true;
    io.out(already ? `token ${id} was already revoked\n` : `token ${id} revoked\n`);
    return ExitCode.ok;
  },
};
