/**
 * `zmctl generate zone-token --zone Z --scope ingress [--valid-for D]`: a token for zone Z's
 * ingresses (`zonemesh-ingress run --token-file`).
 */
import { type Command, UsageError } from '../command.js';
import { printToken, validForFlag } from './token-request.js';

const scopes = ['ingress'];

export const generateZoneTokenCommand: Command = {
  name: 'generate zone-token',
  summary: "generate a token a zone's ingress proves its zone with",
  synopsis: '--zone Z --scope ingress [--valid-for DURATION]',
  description: [
    'Asks the control plane (an admin request) for a signed zone token and prints it, and nothing',
    'else, on stdout. With scope ingress it lets a zonemesh-ingress run --token-file FILE register',
    "and stream as a ZoneIngress of zone Z. A zone's control plane issues tokens for its own zone;",
    'global for any zone. Default validity: 8760h.',
  ].join('\n'),
  flags: {
    zone: { type: 'string', valueName: 'Z', description: 'the zone (required)' },
    scope: {
      type: 'string',
      multiple: true,
      valueName: 'SCOPE',
      description: `what the token is for: ${scopes.join(', ')} (required; repeatable)`,
    },
    'valid-for': validForFlag,
  },
  acceptsArgs: false,
  async run({ options, flags, io }) {
    const zone = flags.zone;
    if (typeof zone !== 'string' || zone === '') throw new UsageError('--zone is required');
    const scope = ((flags.scope as string[] | undefined) ?? []).flatMap((entry) => entry.split(','));
    if (scope.length === 0) throw new UsageError('--scope is required (ingress)');
    const unknown = scope.find((entry) => !scopes.includes(entry));
    if (unknown !== undefined)
      throw new UsageError(`--scope "${unknown}" is not one of: ${scopes.join(', ')}`);
    return printToken(options, io, '/tokens/zone', {
      zone,
      scope: [...new Set(scope)],
      ...(flags['valid-for'] === undefined ? {} : { validFor: flags['valid-for'] }),
    });
  },
};
