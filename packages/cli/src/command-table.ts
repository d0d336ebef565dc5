/**
 * Every zmctl command. To add one: write `src/commands/<name>.ts` exporting a `Command`, import it
 * here and add it to the list. Two-word commands (`inspect traffic`) group under their first word.
 */
import type { Command } from './command.js';
import { applyCommand } from './commands/apply.js';
import { deleteCommand } from './commands/delete.js';
import { getCommand } from './commands/get.js';
import { inspectDataplaneCommand } from './commands/inspect-dataplane.js';
import { inspectTrafficCommand } from './commands/inspect-traffic.js';
import { inspectZonesCommand } from './commands/inspect-zones.js';
import { installControlPlaneCommand } from './commands/install-control-plane.js';
import { installCrdsCommand } from './commands/install-crds.js';
import { validateCommand } from './commands/validate.js';

export const commands: readonly Command[] = [
  validateCommand,
  applyCommand,
  getCommand,
  deleteCommand,
  inspectZonesCommand,
  inspectTrafficCommand,
  inspectDataplaneCommand,
  installControlPlaneCommand,
  installCrdsCommand,
];
