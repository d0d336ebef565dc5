/**
 * Token signing keys of a control plane: `zmctl inspect signing-keys` lists them (ids and ages,
 * never key material), `zmctl rotate signing-key` makes a new one that signs from then on (older
 * tokens stay valid), `zmctl delete signing-key KID` drops one so every token it signed is refused.
 */
import { type Command, ExitCode, UsageError } from '../command.js';
import { createControlPlaneClient, ListBodySchema } from '../cp-client.js';
import { formatTable, printStructured } from '../output-format.js';

export const inspectSigningKeysCommand: Command = {
  name: 'inspect signing-keys',
  summary: "list the control plane's token signing keys",
  synopsis: '[-o table|yaml|json]',
  description:
    'Lists the token signing keys: id, creation time, and which one signs new tokens (admins only).',
  flags: {},
  acceptsArgs: false,
  async run({ options, io }) {
    const client = await createControlPlaneClient(options);
    const { body } = await client.request('GET', '/tokens/signing-keys');
    const items = ListBodySchema.parse(body).items;
    if (printStructured(io, options.output, items)) return ExitCode.ok;
    io.out(
      formatTable(
        ['KID', 'CREATED', 'ACTIVE'],
        items.map((key) => [String(key.kid), String(key.createdAt), key.active === true ? 'yes' : 'no']),
      ),
    );
    return ExitCode.ok;
  },
};

export const rotateSigningKeyCommand: Command = {
  name: 'rotate signing-key',
  summary: 'make a new token signing key (older tokens stay valid)',
  synopsis: '',
  description: [
    'Makes a new signing key: new tokens are signed with it, tokens signed with older keys stay',
    'valid until they expire (or until their key is deleted). Admins only.',
  ].join('\n'),
  flags: {},
  acceptsArgs: false,
  async run({ options, io }) {
    const client = await createControlPlaneClient(options);
    const { body } = await client.request('POST', '/tokens/signing-keys');
    io.out(`signing key ${String((body as { kid?: unknown }).kid)} signs new tokens from now on\n`);
    return ExitCode.ok;
  },
};

export const deleteSigningKeyCommand: Command = {
  name: 'delete signing-key',
  summary: 'delete a token signing key: every token it signed is refused',
  synopsis: 'KID',
  description: [
    'Deletes a signing key: every token it signed is refused from now on (for a leaked key).',
    'The active key cannot be the only one: rotate first. Admins only.',
  ].join('\n'),
  flags: {},
  acceptsArgs: true,
  async run({ options, args, io }) {
    const [kid, ...extra] = args;
    if (kid === undefined || extra.length > 0) throw new UsageError('usage: zmctl delete signing-key KID');
    const client = await createControlPlaneClient(options);
    await client.request('DELETE', `/tokens/signing-keys/${encodeURIComponent(kid)}`);
    io.out(`signing key ${kid} deleted: tokens it signed are refused\n`);
    return ExitCode.ok;
  },
};
