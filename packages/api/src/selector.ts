/** Tag selectors of old-style policies: `sources`/`destinations` entries of `{match: {tag: value|'*'}}`. */
import * as z from 'zod';
import { list, protoObject, stringMap } from './wire-types.js';

/** Tag name to value, or `*` for "any value, but the tag must exist". */
export const SelectorSchema = stringMap();

/** Tag name to value, or `*` for "any value, but the tag must exist". */
export type Selector = Record<string, string>;

/** One `sources[]`/`destinations[]` entry. A `match: null` (a YAML indentation slip) reads as empty. */
export const SelectorEntrySchema = protoObject({ match: SelectorSchema.optional() });

/** One `sources[]`/`destinations[]` entry as parsed. */
export type SelectorEntry = z.infer<typeof SelectorEntrySchema>;

/** `sources` and `destinations`, shared by every old-style policy. OR between entries. */
export const selectorListsShape = {
  sources: list(SelectorEntrySchema).optional(),
  destinations: list(SelectorEntrySchema).optional(),
};
