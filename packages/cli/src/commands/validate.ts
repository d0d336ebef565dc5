/**
 * `zmctl validate -f FILE...`: checks resource files offline with Kuma's rules. Exit 0 when every
 * document is valid; otherwise exit 1 and, per invalid document, `FILE#index TYPE/NAME: FIELD: MESSAGE`
 * lines (`-o json`/`-o yaml`: one entry per document, valid or not).
 */
import { readFile } from 'node:fs/promises';
import { type DecodedDocument, type FieldError, decodeDocuments } from '@zonemesh/api';
import { type CliIo, type Command, ExitCode, UsageError } from '../command.js';
import { printStructured } from '../output-format.js';

/** One document's verdict, as `-o json` prints it. */
export interface DocumentVerdict {
  readonly file: string;
  readonly index: number;
  readonly type: string | null;
  readonly name: string | null;
  readonly valid: boolean;
  readonly errors: readonly FieldError[];
}

async function readSource(file: string, io: CliIo): Promise<string> {
  return file === '-' ? io.readStdin() : readFile(file, 'utf8');
}

function verdictsOf(file: string, documents: readonly DecodedDocument[]): DocumentVerdict[] {
  if (documents.length === 0) {
    return [
      {
        file,
        index: 0,
        type: null,
        name: null,
        valid: false,
        errors: [{ field: '', message: 'no resources in the file' }],
      },
    ];
  }
  return documents.map((doc) => ({
    file,
    index: doc.index,
    type: doc.type ?? null,
    name: doc.name ?? null,
    valid: doc.errors.length === 0,
    errors: doc.errors,
  }));
}

/** `FILE#index TYPE/NAME: FIELD: MESSAGE`, leaving out what is unknown or empty. */
function errorLines(verdict: DocumentVerdict): string[] {
  const what =
    verdict.type !== null
      ? `${verdict.type}/${verdict.name ?? '?'}`
      : verdict.name !== null
        ? `?/${verdict.name}`
        : '';
  const prefix = `${verdict.file}#${verdict.index}${what === '' ? '' : ` ${what}`}`;
  return verdict.errors.map(
    (error) => `${prefix}: ${error.field === '' ? '' : `${error.field}: `}${error.message}`,
  );
}

function plural(count: number, word: string): string {
  return `${count} ${word}${count === 1 ? '' : 's'}`;
}

/** `zmctl validate`. */
export const validateCommand: Command = {
  name: 'validate',
  summary: 'check resource files offline (Kuma field errors)',
  synopsis: '-f FILE... [-o table|yaml|json]',
  description: [
    'Checks Kuma Universal or Kubernetes resource files (YAML with --- separated documents, or JSON)',
    'with the rules the control plane applies, without contacting it. "-f -" reads stdin.',
    'Exit 0 when every document is valid; otherwise 1, with one line per problem:',
    '  FILE#INDEX TYPE/NAME: FIELD: MESSAGE',
  ].join('\n'),
  flags: {
    file: {
      type: 'string',
      short: 'f',
      multiple: true,
      valueName: 'FILE',
      description: 'resource file, or - for stdin',
    },
  },
  acceptsArgs: true,
  async run({ options, flags, args, io }) {
    const files = [...((flags.file as string[] | undefined) ?? []), ...args];
    if (files.length === 0) throw new UsageError('missing -f FILE');
    const verdicts: DocumentVerdict[] = [];
    for (const file of files) {
      let text: string;
      try {
        text = await readSource(file, io);
      } catch (err) {
        const reason =
          (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message;
        verdicts.push({
          file,
          index: 0,
          type: null,
          name: null,
          valid: false,
          errors: [{ field: '', message: `cannot read the file: ${reason}` }],
        });
        continue;
      }
      verdicts.push(...verdictsOf(file, decodeDocuments(text)));
    }
    const invalid = verdicts.filter((verdict) => !verdict.valid);
    if (!printStructured(io, options.output, verdicts)) {
      const lines = invalid.flatMap(errorLines);
      if (lines.length > 0) io.out(`${lines.join('\n')}\n`);
      else io.out(`${plural(verdicts.length, 'document')} in ${plural(files.length, 'file')}: all valid\n`);
    }
    if (invalid.length === 0) return ExitCode.ok;
    io.err(
      `zmctl: ${invalid.length} of ${plural(verdicts.length, 'document')} ${invalid.length === 1 ? 'is' : 'are'} invalid\n`,
    );
    return ExitCode.invalid;
  },
};
