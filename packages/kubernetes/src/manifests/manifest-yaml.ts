/** Manifests as one multi-document YAML text, as `kubectl apply -f -` reads it. */
import { stringify } from 'yaml';
import type { Manifest } from './control-plane-manifests.js';

/** `---`-separated YAML documents, each ending with a newline. */
export function manifestsToYaml(objects: readonly Manifest[]): string {
  return objects.map((object) => `---\n${stringify(object, { lineWidth: 0 })}`).join('');
}
