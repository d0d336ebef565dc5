/**
 * Reads a file's text (YAML with `---` separated documents, or JSON) into documents, each decoded
 * and validated. Never throws on bad input: a syntax error or an over-size document becomes a
 * document with an error, so a caller can report every document of every file.
 */
import { parseDocument } from 'yaml';
import type { FieldError } from './errors.js';
import {
  type ResourceInspection,
  inspectResource,
  maxDocumentBytes,
  tooLargeMessage,
  utf8Length,
} from './resource-decoder.js';
import type { NewResource } from './resource.js';

/** One document of a file, decoded and validated. */
export interface DecodedDocument {
  /** 0-based position among the file's documents (empty documents are not counted). */
  readonly index: number;
  /** As written (`type`, or `kind` in Kubernetes form), when readable. */
  readonly type?: string;
  readonly name?: string;
  /** Set when valid. */
  readonly resource?: NewResource;
  /** Empty when valid; Kuma field paths. A document-level problem has field `''`. */
  readonly errors: readonly FieldError[];
  /** Why the document is refused, when it is: `InvalidInput`, `UnsupportedKind` or `TooLarge`. */
  readonly code?: ResourceInspection['code'];
}

interface Chunk {
  readonly text: string;
  /** 1-based line of the chunk's first line in the whole text. */
  readonly firstLine: number;
}

const documentStart = /^---(?:[ \t\r\n]|$)/;
const documentEnd = /^\.\.\.(?:[ \t\r\n]|$)/;

/**
 * Splits at document markers. YAML forbids `---`/`...` at the start of a line inside content, so
 * this split is exact and lets an over-size document be refused without parsing it.
 */
function splitDocuments(text: string): Chunk[] {
  const chunks: Chunk[] = [];
  const lines = text.split(/(?<=\n)/);
  let current: string[] = [];
  let firstLine = 1;
  const flush = (nextLine: number) => {
    if (current.length > 0) chunks.push({ text: current.join(''), firstLine });
    current = [];
    firstLine = nextLine;
  };
  lines.forEach((line, i) => {
    if (documentStart.test(line)) flush(i + 1);
    current.push(line);
    if (documentEnd.test(line)) flush(i + 2);
  });
  flush(lines.length + 1);
  return chunks;
}

function lineAndColumn(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  return { line, column: offset - before.lastIndexOf('\n') };
}

function isBlank(chunk: string): boolean {
  return chunk
    .split('\n')
    .every((line) => /^\s*(#.*)?$/.test(line) || documentStart.test(line) || documentEnd.test(line));
}

/**
 * Splits YAML (multi-doc `---`) or JSON text into documents, accepts Universal and Kubernetes
 * form, validates each. A YAML syntax error or an over-size document becomes one document with
 * an error (the message names line and column / the limit). Never throws on bad input.
 */
export function decodeDocuments(text: string): DecodedDocument[] {
  const documents: DecodedDocument[] = [];
  const push = (inspection: ResourceInspection) => documents.push({ index: documents.length, ...inspection });
  for (const chunk of splitDocuments(text)) {
    const bytes = utf8Length(chunk.text);
    if (bytes > maxDocumentBytes) {
      push({ errors: [{ field: '', message: tooLargeMessage(bytes) }], code: 'TooLarge' });
      continue;
    }
    if (isBlank(chunk.text)) continue;
    const doc = parseDocument(chunk.text, { prettyErrors: false, uniqueKeys: true });
    if (doc.errors.length > 0) {
      const errors = doc.errors.map((error) => {
        const at = lineAndColumn(chunk.text, error.pos[0]);
        const message = error.message.split('\n')[0] ?? error.message;
        return {
          field: '',
          message: `YAML syntax error at line ${at.line + chunk.firstLine - 1}, column ${at.column}: ${message}`,
        };
      });
      push({ errors, code: 'InvalidInput' });
      continue;
    }
    let value: unknown;
    try {
      value = doc.toJS({ maxAliasCount: 100 });
    } catch (err) {
      push({
        errors: [{ field: '', message: `cannot read the document: ${(err as Error).message}` }],
        code: 'InvalidInput',
      });
      continue;
    }
    if (value === null || value === undefined) continue;
    for (const item of Array.isArray(value) ? value : [value]) push(inspectResource(item));
  }
  return documents;
}
