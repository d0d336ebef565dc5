/**
 * Every zmctl command. To add one: write `src/commands/<name>.ts` exporting a `Command`, import it
 * here and add it to the list. Two-word commands (`inspect traffic`) group under their first word.
 */
import type { Command } from './command.js';
import { applyCommand } from './commands/apply.js';
import { deleteCommand } from './commands/delete.js';
import { generateDataplaneTokenCommand } from './commands/generate-dataplane-token.js';
import { generateNatsConfigCommand } from './commands/generate-nats-config.js';
import { generateUserTokenCommand } from './commands/generate-user-token.js';
import { generateZoneTokenCommand } from './commands/generate-zone-token.js';
import { getCommand } from './commands/get.js';
import { inspectDataplaneCommand } from './commands/inspect-dataplane.js';
import { inspectTokenCommand } from './commands/inspect-token.js';
import { inspectTrafficCommand } from './commands/inspect-traffic.js';
import { inspectZonesCommand } from './commands/inspect-zones.js';
import { installControlPlaneCommand } from './commands/install-control-plane.js';
import { installCrdsCommand } from './commands/install-crds.js';
import { revokeTokenCommand } from './commands/revoke-token.js';
import {
  deleteSigningKeyCommand,
  inspectSigningKeysCommand,
  rotateSigningKeyCommand,
} from './commands/signing-keys.js';
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
  generateDataplaneTokenCommand,
  generateZoneTokenCommand,
  generateUserTokenCommand,
  generateNatsConfigCommand,
  inspectTokenCommand,
  revokeTokenCommand,
  inspectSigningKeysCommand,
  rotateSigningKeyCommand,
  deleteSigningKeyCommand,
];
