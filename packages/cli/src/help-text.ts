/** Help screens for `zmctl --help`, `zmctl <group> --help` and `zmctl <command> --help`. */
import type { Command, FlagSpec } from './command.js';
import { globalFlags } from './global-options.js';

function flagLines(flags: Readonly<Record<string, FlagSpec>>): string[] {
  const rows = Object.entries(flags).map(([name, spec]) => {
    const short = spec.short === undefined ? '    ' : `-${spec.short}, `;
    const value = spec.type === 'string' ? ` ${spec.valueName ?? 'VALUE'}` : '';
    return [
      `${short}--${name}${value}`,
      spec.description + (spec.multiple === true ? ' (repeatable)' : ''),
    ] as const;
  });
  const width = Math.max(0, ...rows.map(([left]) => left.length));
  return rows.map(([left, right]) => `  ${left.padEnd(width)}  ${right}`);
}

/** `zmctl --help`: every command with its summary, then the global flags. */
export function programHelp(commands: readonly Command[]): string {
  const width = Math.max(0, ...commands.map((command) => command.name.length));
  return [
    'Usage: zmctl <command> [flags]',
    '',
    'zmctl manages a zonemesh federation through its control plane API, and checks resource files offline.',
    '',
    'Commands:',
    ...commands.map((command) => `  ${command.name.padEnd(width)}  ${command.summary}`),
    '',
    'Global flags:',
    ...flagLines(globalFlags),
    '',
    'Exit codes: 0 success, 1 invalid input or refused request, 2 usage error, 3 control plane unreachable.',
    'Run "zmctl <command> --help" for a command\'s flags.',
    '',
  ].join('\n');
}

/** `zmctl inspect --help`: the commands of a group. */
export function groupHelp(group: string, commands: readonly Command[]): string {
  const members = commands.filter((command) => command.name.startsWith(`${group} `));
  const width = Math.max(0, ...members.map((command) => command.name.length));
  return [
    `Usage: zmctl ${group} <command> [flags]`,
    '',
    'Commands:',
    ...members.map((command) => `  ${command.name.padEnd(width)}  ${command.summary}`),
    '',
  ].join('\n');
}

/** `zmctl <command> --help`. */
export function commandHelp(command: Command): string {
  const own = Object.keys(command.flags).length > 0 ? ['Flags:', ...flagLines(command.flags), ''] : [];
  return [
    `Usage: zmctl ${command.name} ${command.synopsis}`.trimEnd(),
    '',
    command.description,
    '',
    ...own,
    'Global flags:',
    ...flagLines(globalFlags),
    '',
  ].join('\n');
}
