/**
 * @zonemesh/dataplane — `zonemesh-dp`, the sidecar. A deployable: its program is `bin/zonemesh-dp.js`
 * (`src/main.ts`); nothing should import it. Exported for tests and tooling only: the pure
 * decisions the sidecar makes.
 */
export { parseCommandLine } from './command-line.js';
export { fillTemplate, parseDataplaneFile } from './dataplane-file.js';
export { decidePermission } from './permissions.js';
export { createSplitPicker } from './route-split.js';
export type { CommandLine } from './command-line.js';
export type { DataplaneFile } from './dataplane-file.js';
export type { PermissionDecision, PolicyRef } from './permissions.js';
export type { SplitPicker } from './route-split.js';
