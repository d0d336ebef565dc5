/**
 * `zmctl generate user-token --name N [--group G]... --valid-for D`: a token for the REST API and
 * zmctl (`zmctl --token-file`). Group `mesh-system:admin` may write; anyone else only reads.
 */
import { type Command, UsageError } from '../command.js';
import { printToken, validForFlag } from './token-request.js';

export const generateUserTokenCommand: Command = {
  name: 'generate user-token',
  summary: 'generate a token for the REST API and zmctl',
  synopsis: '--name N [--group G]... --valid-for DURATION',
  description: [
    'Asks the control plane (an admin request) for a signed user token and prints it, and nothing',
    'else, on stdout. Users in group mesh-system:admin may write; other users may read. Tokens',
    "from global work on every zone's API too. Use it with zmctl --token-file FILE, or send it as",
    'Authorization: Bearer <token>.',
  ].join('\n'),
  flags: {
    name: { type: 'string', valueName: 'N', description: 'user name (required)' },
    group: { type: 'string', multiple: true, valueName: 'G', description: 'a group of the user; repeatable' },
    'valid-for': { ...validForFlag, description: `${validForFlag.description} (required)` },
  },
  acceptsArgs: false,
  async run({ options, flags, io }) {
    const name = flags.name;
    if (typeof name !== 'string' || name === '') throw new UsageError('--name is required');
    const validFor = flags['valid-for'];
    if (typeof validFor !== 'string' || validFor === '') throw new UsageError('--valid-for is required');
    const groups = ((flags.group as string[] | undefined) ?? []).flatMap((entry) => entry.split(','));
    return printToken(options, io, '/tokens/user', { name, groups: [...new Set(groups)], validFor });
  },
};
