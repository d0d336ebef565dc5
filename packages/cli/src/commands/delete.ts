/** `zmctl delete KIND NAME [--mesh M]`: deletes one resource on the control plane. */
import { findDescriptor, isMeshScoped, resourceTypes } from '@zonemesh/api';
import { type Command, ExitCode, UsageError } from '../command.js';
import { createControlPlaneClient, resourcePath } from '../cp-client.js';

export const deleteCommand: Command = {
  name: 'delete',
  summary: 'delete a resource on the control plane',
  synopsis: 'KIND NAME [--mesh M] [--cp URL]',
  description: [
    'Deletes one resource. KIND is a kind, its REST plural or a short name (TrafficPermission,',
    'traffic-permissions, tp, ...). Mesh-scoped kinds live in --mesh (default "default").',
  ].join('\n'),
  flags: {
    mesh: {
      type: 'string',
      short: 'm',
      valueName: 'M',
      description: 'mesh of a mesh-scoped kind (default "default")',
    },
  },
  acceptsArgs: true,
  async run({ options, flags, args, io }) {
    const [kind, name, ...extra] = args;
    if (kind === undefined || name === undefined)
      throw new UsageError('usage: zmctl delete KIND NAME [--mesh M]');
    if (extra.length > 0) throw new UsageError(`unexpected argument "${extra[0]}"`);
    const descriptor = findDescriptor(kind);
    if (descriptor === undefined) {
      throw new UsageError(`unknown kind "${kind}"; supported kinds: ${resourceTypes.join(', ')}`);
    }
    const mesh = flags.mesh as string | undefined;
    const scoped = isMeshScoped(descriptor.type);
    if (!scoped && mesh !== undefined)
      throw new UsageError(`${descriptor.type} is not mesh-scoped: drop --mesh`);
    const client = await createControlPlaneClient(options);
    await client.request(
      'DELETE',
      resourcePath(descriptor, { name, ...(mesh === undefined ? {} : { mesh }) }),
    );
    const where = scoped ? ` in mesh "${mesh ?? 'default'}"` : '';
    io.out(`${descriptor.type} "${name}"${where} deleted\n`);
    return ExitCode.ok;
  },
};
