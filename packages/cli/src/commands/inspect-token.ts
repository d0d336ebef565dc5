/** `zmctl inspect token -f FILE|-`: what a token says (kind, id, subject, validity), offline. */
import { type Command, ExitCode, UsageError } from '../command.js';
import { formatTable, printStructured } from '../output-format.js';
import { readTokenClaims } from './token-file.js';

function subjectOf(claims: Readonly<Record<string, unknown>>): string {
  const tags =
    typeof claims.tags === 'object' && claims.tags !== null
      ? ` tags ${Object.entries(claims.tags as Record<string, string[]>)
          .map(([key, values]) => `${key}=${values.join(',')}`)
          .join(' ')}`
      : '';
  switch (claims.kind) {
    case 'dataplane':
      return `Dataplane ${String(claims.mesh)}/${String(claims.name)}${tags}`;
    case 'zone':
      return `zone ${String(claims.zone)} (scope ${(claims.scope as string[] | undefined)?.join(',') ?? '-'})`;
    case 'user':
      return `user ${String(claims.name)} (groups ${(claims.groups as string[] | undefined)?.join(',') || '-'})`;
    default:
      return '-';
  }
}

const text = (value: unknown): string => (typeof value === 'string' ? value : '-');

const time = (seconds: unknown): string =>
  typeof seconds === 'number' ? new Date(seconds * 1000).toISOString() : '-';

export const inspectTokenCommand: Command = {
  name: 'inspect token',
  summary: 'show what a token says: kind, id, subject, issuer, validity (offline)',
  synopsis: '-f FILE|- [-o table|yaml|json]',
  description: [
    'Decodes a token without asking a control plane: its kind, its id (what zmctl revoke token',
    'takes), what it stands for, its issuer and validity. It does not check the signature, so it',
    'does not tell whether the token is valid; only a control plane can.',
  ].join('\n'),
  flags: {
    file: { type: 'string', short: 'f', valueName: 'FILE', description: 'the token file, - for stdin' },
  },
  acceptsArgs: false,
  async run({ options, flags, io }) {
    const file = flags.file;
    if (typeof file !== 'string') throw new UsageError('-f FILE is required');
    const claims = await readTokenClaims(file, io);
    if (printStructured(io, options.output, claims)) return ExitCode.ok;
    io.out(
      formatTable(
        ['KIND', 'ID', 'SUBJECT', 'ISSUER', 'NOT BEFORE', 'EXPIRES'],
        [
          [
            text(claims.kind),
            text(claims.jti),
            subjectOf(claims),
            text(claims.iss),
            time(claims.nbf),
            time(claims.exp),
          ],
        ],
      ),
    );
    return ExitCode.ok;
  },
};
