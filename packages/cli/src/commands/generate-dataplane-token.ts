/**
 * `zmctl generate dataplane-token --mesh M --name N [--tag K=V[,V2]]... [--valid-for D]`: a token
 * for one sidecar (`zonemesh-dp run --dataplane-token-file`), signed by the control plane asked.
 */
import { type Command, UsageError } from '../command.js';
import { printToken, validForFlag } from './token-request.js';

export const generateDataplaneTokenCommand: Command = {
  name: 'generate dataplane-token',
  summary: 'generate a token a sidecar proves its identity with',
  synopsis: '--name N [--mesh M] [--tag K=V[,V2]]... [--valid-for DURATION]',
  description: [
    'Asks the control plane (an admin request) for a signed dataplane token and prints it, and',
    'nothing else, on stdout. The token lets a zonemesh-dp run --dataplane-token-file FILE register',
    'the Dataplane N of mesh M, hold its config stream and get its certificates, and nothing else.',
    'With --tag, every inbound must carry each given tag with one of the given values (the',
    "certificate's identities come from those tags). Ask a zone control plane, or global (its",
    'tokens work in every zone). Default validity: 8760h.',
  ].join('\n'),
  flags: {
    mesh: {
      type: 'string',
      short: 'm',
      valueName: 'M',
      description: 'mesh of the Dataplane (default "default")',
    },
    name: { type: 'string', valueName: 'N', description: 'name of the Dataplane (required)' },
    tag: {
      type: 'string',
      multiple: true,
      valueName: 'K=V[,V2]',
      description: 'allowed inbound tag values; repeat for several tags',
    },
    'valid-for': validForFlag,
  },
  acceptsArgs: false,
  async run({ options, flags, io }) {
    const name = flags.name;
    if (typeof name !== 'string' || name === '') throw new UsageError('--name is required');
    const tags: Record<string, string[]> = {};
    for (const entry of (flags.tag as string[] | undefined) ?? []) {
      const equals = entry.indexOf('=');
      const key = entry.slice(0, equals);
      const values = entry
        .slice(equals + 1)
        .split(',')
        .map((value) => value.trim())
        .filter((value) => value !== '');
      if (equals <= 0 || values.length === 0) {
        throw new UsageError(`--tag "${entry}" is not K=V or K=V1,V2`);
      }
      tags[key] = [...new Set([...(tags[key] ?? []), ...values])];
    }
    return printToken(options, io, '/tokens/dataplane', {
      mesh: (flags.mesh as string | undefined) ?? 'default',
      name,
      ...(Object.keys(tags).length === 0 ? {} : { tags }),
      ...(flags['valid-for'] === undefined ? {} : { validFor: flags['valid-for'] }),
    });
  },
};
