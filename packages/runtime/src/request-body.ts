/**
 * Request bodies: read with a size limit, decoded from JSON or YAML. Every failure is a
 * `MeshError` a client can act on (which line and column, which limit).
 */
import type { IncomingMessage } from 'node:http';
import { MeshError } from '@zonemesh/api';
import { parseAllDocuments } from 'yaml';

/** Default limit of a request body: 1 MiB. */
export const defaultBodyLimitBytes = 1024 * 1024;

/** Reads the whole body; throws `MeshError('TooLarge')` as soon as it exceeds `limitBytes`. */
export async function readBodyText(request: IncomingMessage, limitBytes: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    const buffer = chunk as Buffer;
    size += buffer.length;
    if (size > limitBytes) {
      throw new MeshError('TooLarge', `request body is larger than ${limitBytes} bytes`);
    }
    chunks.push(buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * Decodes a body as JSON (`application/json`), YAML (`application/yaml`, `text/yaml`, ...) or,
 * for any other or no Content-Type, JSON when it parses as JSON and YAML otherwise. Empty -> undefined.
 * Exactly one YAML document is accepted.
 */
export function decodeBody(text: string, contentType: string | undefined): unknown {
  if (text.trim() === '') return undefined;
  const type = (contentType ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  if (type === 'application/json' || type.endsWith('+json')) return decodeJson(text);
  if (type.includes('yaml')) return decodeYaml(text);
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return decodeYaml(text);
  }
}

function decodeJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new MeshError('InvalidInput', `request body is not valid JSON: ${(err as Error).message}`, {
      cause: err,
    });
  }
}

function decodeYaml(text: string): unknown {
  const documents = parseAllDocuments(text, { prettyErrors: true, uniqueKeys: true });
  if (!Array.isArray(documents)) return undefined;
  if (documents.length > 1) {
    throw new MeshError('InvalidInput', 'request body holds more than one YAML document; send one at a time');
  }
  const document = documents[0];
  if (document === undefined) return undefined;
  const error = document.errors[0];
  if (error !== undefined) {
    // prettyErrors puts "at line L, column C:" and a code excerpt after the first line.
    const message = (error.message.split('\n')[0] ?? error.message).replace(/:$/, '');
    throw new MeshError('InvalidInput', `request body is not valid YAML: ${message}`, { cause: error });
  }
  return document.toJS({ maxAliasCount: 100 }) as unknown;
}
