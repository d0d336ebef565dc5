/**
 * The shared Kuma corpus as a table test: every file's verdict and, for invalid ones, every
 * `{field, message}` must equal EXPECTED.md (v2.14.0 wording). Files of kinds zonemesh does not
 * support must be refused as unsupported. The corpus lives outside the repository
 * (`../shared/conformance/kuma` from the repo root); without it this suite is skipped.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { decodeDocuments } from './document-reader.js';
import type { FieldError } from './errors.js';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const corpusDir = join(repoRoot, '..', 'shared', 'conformance', 'kuma');
const corpusPresent = existsSync(join(corpusDir, 'EXPECTED.md'));

/** Files whose kinds (ExternalService, CircuitBreaker, Timeout, Retry, FaultInjection, MeshTimeout) zonemesh refuses. */
const unsupportedFiles = new Set(['003', '023', '024', '025', '026', '050']);

interface Expectation {
  readonly valid: boolean;
  readonly errors: FieldError[];
}

/**
 * Reads EXPECTED.md: one `### NNN-file.yaml` section per file with `**Valid`/`**Invalid` and, after
 * `**Errors`, lines `* \`field\`: \`message\`` (a version prefix other than v2.14.0 is skipped).
 */
function readExpectations(markdown: string): Map<string, Expectation> {
  const table = new Map<string, Expectation>();
  const sections = markdown.split(/^### /m).slice(1);
  for (const section of sections) {
    const [heading = '', ...lines] = section.split('\n');
    const file = heading.trim();
    if (!/^\d{3}-.*\.yaml$/.test(file)) continue;
    const valid = lines.some((line) => line.includes('**Valid'));
    const invalid = lines.some((line) => line.includes('**Invalid'));
    if (valid === invalid) throw new Error(`EXPECTED.md: ${file} is neither clearly valid nor invalid`);
    const errors: FieldError[] = [];
    let inErrors = false;
    for (const line of lines) {
      if (line.includes('**Errors')) {
        inErrors = true;
        continue;
      }
      if (line.startsWith('* **')) inErrors = false;
      if (!inErrors) continue;
      const match = /^\s*\* (?:([^`]*?): )?`([^`]*)`: `([^`]*)`/.exec(line);
      if (match === null) continue;
      const [, version, field = '', message = ''] = match;
      if (version !== undefined && version !== 'v2.14.0') continue;
      errors.push({ field, message });
    }
    table.set(file, { valid, errors });
  }
  return table;
}

describe('EXPECTED.md reader', () => {
  it('reads verdicts, v2.14.0 alternatives and multi-line error lists', () => {
    const table = readExpectations(
      [
        '### 001-a.yaml',
        '* **Valid.**',
        '* **Decisions:**',
        '  * `web -> backend`: ALLOW.',
        '### 002-b.yaml',
        '* **Invalid.**',
        '* **Errors:**',
        '  * v2.14.0: `spec`: `new wording`',
        '  * 2.9.0: `spec.from`: `old wording`',
        '  * `x[0]`: `it is "bad"` (2.5: `older`)',
      ].join('\n'),
    );
    expect(table.get('001-a.yaml')).toEqual({ valid: true, errors: [] });
    expect(table.get('002-b.yaml')).toEqual({
      valid: false,
      errors: [
        { field: 'spec', message: 'new wording' },
        { field: 'x[0]', message: 'it is "bad"' },
      ],
    });
  });
});

describe.skipIf(!corpusPresent)(
  `Kuma corpus conformance (skipped when ${corpusDir} is absent, e.g. in a plain clone)`,
  () => {
    const expectations = corpusPresent
      ? readExpectations(readFileSync(join(corpusDir, 'EXPECTED.md'), 'utf8'))
      : new Map<string, Expectation>();
    const files = corpusPresent
      ? readdirSync(corpusDir)
          .filter((file) => /^\d{3}-.*\.yaml$/.test(file))
          .sort()
      : [];

    it('has an EXPECTED.md entry for each of the 60 files', () => {
      expect(files).toHaveLength(60);
      expect(files.filter((file) => !expectations.has(file))).toEqual([]);
    });

    const supported = files.filter((file) => !unsupportedFiles.has(file.slice(0, 3)));
    const unsupported = files.filter((file) => unsupportedFiles.has(file.slice(0, 3)));

    it.each(supported)('%s: verdict and field errors as in EXPECTED.md', (file) => {
      const documents = decodeDocuments(readFileSync(join(corpusDir, file), 'utf8'));
      const errors = documents.flatMap((doc) => doc.errors);
      const expected = expectations.get(file);
      expect({ documents: documents.length > 0, valid: errors.length === 0, errors }).toEqual({
        documents: true,
        valid: expected?.valid,
        errors: expected?.errors,
      });
    });

    it.each(unsupported)('%s: refused as an unsupported kind, naming the supported ones', (file) => {
      const documents = decodeDocuments(readFileSync(join(corpusDir, file), 'utf8'));
      const refused = documents.filter((doc) => doc.code === 'UnsupportedKind');
      expect({
        refused: refused.length > 0,
        namesSupportedKinds: refused.every((doc) =>
          /supported kinds: Mesh, Dataplane, /.test(doc.errors[0]?.message ?? ''),
        ),
      }).toEqual({ refused: true, namesSupportedKinds: true });
    });
  },
);
