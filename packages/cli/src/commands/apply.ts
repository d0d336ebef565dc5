/**
 * `zmctl apply -f FILE|- [--dry-run]`: creates or updates the resources in Kuma Universal (or
 * Kubernetes) files on the control plane. Every document is validated locally first: if any is
 * invalid nothing is sent. Documents are then applied in order; the first refusal stops the run
 * (later documents may depend on it) and exits 1 with the server's reason and field causes.
 */
import { readFile } from 'node:fs/promises';
import {
  MeshError,
  decodeDocuments,
  descriptorFor,
  isMeshError,
  toUniversal,
  type NewResource,
} from '@zonemesh/api';
import { type Command, ExitCode, UsageError } from '../command.js';
import { createControlPlaneClient, resourcePath } from '../cp-client.js';
import { printStructured } from '../output-format.js';

/** What happened to one document (`-o json|yaml` prints a list of these). */
export interface ApplyResult {
  readonly file: string;
  readonly index: number;
  readonly type: string;
  readonly name: string;
  readonly mesh: string | null;
  readonly action: 'created' | 'updated';
  readonly dryRun: boolean;
}

interface Planned {
  readonly file: string;
  readonly index: number;
  readonly resource: NewResource;
}

function describe(resource: NewResource): string {
  const { type, meta } = resource;
  return meta.mesh === undefined ? `${type} "${meta.name}"` : `${type} "${meta.name}" in mesh "${meta.mesh}"`;
}

export const applyCommand: Command = {
  name: 'apply',
  summary: 'create or update resources on the control plane',
  synopsis: '-f FILE|- [--dry-run] [--cp URL]',
  description: [
    'Creates or updates every resource in the files (Kuma Universal or Kubernetes form, YAML with ---',
    'separated documents, or JSON) on the control plane. "-f -" reads stdin. Every document is checked',
    'first and nothing is sent if one is invalid. --dry-run has the control plane validate them',
    '(ownership and mesh included) without storing anything.',
  ].join('\n'),
  flags: {
    file: {
      type: 'string',
      short: 'f',
      multiple: true,
      valueName: 'FILE',
      description: 'resource file, or - for stdin',
    },
    'dry-run': { type: 'boolean', description: 'validate on the control plane without storing' },
  },
  acceptsArgs: false,
  async run({ options, flags, io }) {
    const files = (flags.file as string[] | undefined) ?? [];
    if (files.length === 0) throw new UsageError('missing -f FILE');
    const dryRun = flags['dry-run'] === true;

    const planned: Planned[] = [];
    const problems: string[] = [];
    for (const file of files) {
      let text: string;
      try {
        text = file === '-' ? await io.readStdin() : await readFile(file, 'utf8');
      } catch (err) {
        const reason =
          (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message;
        problems.push(`${file}: cannot read the file: ${reason}`);
        continue;
      }
      const documents = decodeDocuments(text);
      if (documents.length === 0) problems.push(`${file}: no resources in the file`);
      for (const doc of documents) {
        const what = doc.type === undefined ? '' : ` ${doc.type}/${doc.name ?? '?'}`;
        for (const error of doc.errors) {
          problems.push(
            `${file}#${doc.index}${what}: ${error.field === '' ? '' : `${error.field}: `}${error.message}`,
          );
        }
        if (doc.errors.length === 0 && doc.resource !== undefined)
          planned.push({ file, index: doc.index, resource: doc.resource });
      }
    }
    if (problems.length > 0) {
      io.err(`${problems.join('\n')}\nzmctl: nothing applied: fix the invalid documents first\n`);
      return ExitCode.invalid;
    }

    const client = await createControlPlaneClient(options);
    const results: ApplyResult[] = [];
    for (const { file, index, resource } of planned) {
      const path = resourcePath(descriptorFor(resource.type), {
        name: resource.meta.name,
        ...(resource.meta.mesh === undefined ? {} : { mesh: resource.meta.mesh }),
      });
      let status: number;
      try {
        ({ status } = await client.request('PUT', path, {
          body: toUniversal(resource),
          ...(dryRun ? { query: { dryRun: 'true' } } : {}),
        }));
      } catch (err) {
        if (!isMeshError(err) || err.code === 'Unavailable') throw err;
        throw new MeshError(err.code, `${file}#${index} ${describe(resource)}: ${err.message}`, {
          causes: err.causes,
          cause: err,
        });
      }
      const action = status === 201 ? 'created' : 'updated';
      results.push({
        file,
        index,
        type: resource.type,
        name: resource.meta.name,
        mesh: resource.meta.mesh ?? null,
        action,
        dryRun,
      });
      if (options.output === 'table') {
        io.out(
          dryRun
            ? `${describe(resource)} is valid (dry run: would be ${action})\n`
            : `${describe(resource)} ${action}\n`,
        );
      }
    }
    printStructured(io, options.output, results);
    return ExitCode.ok;
  },
};
