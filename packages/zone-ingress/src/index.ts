/**
 * @zonemesh/zone-ingress — `zonemesh-ingress`, the zone ingress. A deployable: its program is
 * `bin/zonemesh-ingress.js` (`src/main.ts`); nothing should import it. Exported for tests and
 * tooling only: the pure decisions the ingress makes.
 */
export { parseCommandLine } from './command-line.js';
export { parseIngressFile } from './ingress-file.js';
export { createRouteTable } from './route-table.js';
export type { CommandLine } from './command-line.js';
export type { IngressFile } from './ingress-file.js';
export type { RouteLookup, RouteTable, UnroutableReason } from './route-table.js';
