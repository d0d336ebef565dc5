/**
 * Configuration from command-line flags and environment variables, validated by one zod schema.
 * Every flag `--some-flag` is also read from env `ZONEMESH_SOME_FLAG`; a flag given on the command
 * line wins over the environment. Every problem is reported at once, each naming its flag.
 */
import { parseArgs } from 'node:util';
import { MeshError, type FieldError } from '@zonemesh/api';
import { z } from 'zod';

/** One command-line flag. Values reach the schema as strings (booleans as `'true'`/`'false'`). */
export interface FlagDefinition {
  readonly type: 'string' | 'boolean';
  /** One line for `--help`. */
  readonly description: string;
  /** The default shown in `--help`; the schema owns the real default. */
  readonly default?: string;
  /** The value's placeholder in `--help`, e.g. `URL`. */
  readonly valueName?: string;
  /** A one-letter alias, e.g. `o` for `-o`. */
  readonly short?: string;
}

/** Flags by their kebab-case name (without the dashes). */
export type FlagDefinitions = Readonly<Record<string, FlagDefinition>>;

/** Raw values handed to the schema: camelCase flag name -> string, absent when not given. */
export type RawConfig = Record<string, string | undefined>;

export interface LoadConfigOptions<S extends z.ZodType> {
  readonly flags: FlagDefinitions;
  /** Parses the raw values (camelCase keys, string values) into the typed config. */
  readonly schema: S;
  /** Command-line arguments without the node binary and script (`process.argv.slice(2)`). */
  readonly args: readonly string[];
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Default `ZONEMESH_`. */
  readonly envPrefix?: string;
}

export interface LoadedConfig<T> {
  /** Undefined when `help` is true: `--help` skips validation so it works with missing flags. */
  readonly config: T | undefined;
  /** Arguments that are not flags (sub-commands, names). */
  readonly positionals: readonly string[];
  /** `--help` or `-h` was given. */
  readonly help: boolean;
}

/**
 * Reads flags and env, then validates them with the schema. Throws `MeshError('InvalidInput')`
 * whose causes name every bad flag (`--zone`), unknown flags included. Pure: reads only its
 * arguments, so tests can pass any argv/env.
 */
export function loadConfig<S extends z.ZodType>(options: LoadConfigOptions<S>): LoadedConfig<z.output<S>> {
  const prefix = options.envPrefix ?? 'ZONEMESH_';
  const problems: FieldError[] = [];
  const fromArgs = readArgs(options.args, options.flags, problems);
  if (fromArgs.help) return { config: undefined, positionals: fromArgs.positionals, help: true };

  const raw: RawConfig = {};
  for (const flag of Object.keys(options.flags)) {
    const value = fromArgs.values.get(flag) ?? options.env[envName(flag, prefix)];
    if (value !== undefined) raw[camelCase(flag)] = value;
  }
  const parsed = options.schema.safeParse(raw);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const key = issue.path[0];
      const flag = typeof key === 'string' ? kebabCase(key) : undefined;
      problems.push({
        field: flag === undefined ? '(config)' : `--${flag}`,
        message:
          flag === undefined
            ? issue.message
            : `${issue.message} (flag --${flag} or env ${envName(flag, prefix)})`,
      });
    }
  }
  if (problems.length > 0) {
    throw new MeshError('InvalidInput', 'invalid configuration', { causes: problems });
  }
  return { config: parsed.data as z.output<S>, positionals: fromArgs.positionals, help: false };
}

/** The environment variable of a flag: `nats-url` -> `ZONEMESH_NATS_URL`. */
export function envName(flag: string, prefix = 'ZONEMESH_'): string {
  return prefix + flag.toUpperCase().replaceAll('-', '_');
}

/** Help text for flags: one line each with its env name and default. */
export function formatFlagHelp(flags: FlagDefinitions, prefix = 'ZONEMESH_'): string {
  const rows = Object.entries(flags).map(([name, def]) => {
    const short = def.short === undefined ? '    ' : `-${def.short}, `;
    const value = def.type === 'string' ? ` ${def.valueName ?? 'VALUE'}` : '';
    const defaults = def.default === undefined ? '' : ` (default ${def.default})`;
    return [
      `  ${short}--${name}${value}`,
      `${def.description}${defaults} [env ${envName(name, prefix)}]`,
    ] as const;
  });
  const width = Math.max(0, ...rows.map(([left]) => left.length)) + 2;
  return rows.map(([left, right]) => left.padEnd(width) + right).join('\n');
}

const durationPart = /(\d+(?:\.\d+)?)(ms|s|m|h)/gy;
const unitMs: Readonly<Record<string, number>> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 };

/** Parses `30s`, `500ms`, `1m30s`, `2h` into milliseconds; undefined when malformed. */
export function parseDuration(text: string): number | undefined {
  const trimmed = text.trim();
  if (trimmed === '') return undefined;
  durationPart.lastIndex = 0;
  let total = 0;
  let end = 0;
  for (let match = durationPart.exec(trimmed); match !== null; match = durationPart.exec(trimmed)) {
    total += Number(match[1]) * (unitMs[match[2] ?? ''] ?? Number.NaN);
    end = durationPart.lastIndex;
  }
  return end === trimmed.length && Number.isFinite(total) ? total : undefined;
}

/** A zod schema for a duration string (`30s`, `500ms`, `1m`), parsed to milliseconds. */
export const DurationSchema = z.string().transform((text, ctx) => {
  const ms = parseDuration(text);
  if (ms === undefined) {
    ctx.addIssue({ code: 'custom', message: `"${text}" is not a duration like 500ms, 30s, 5m or 1h` });
    return z.NEVER;
  }
  return ms;
});

/** A zod schema for `HOST:PORT` (`0.0.0.0:5681`, `[::1]:5681`), parsed to `{host, port}`. */
export const HostPortSchema = z.string().transform((text, ctx) => {
  const match = /^(?:\[([^\]]+)\]|([^:]*)):(\d{1,5})$/.exec(text);
  const port = Number(match?.[3]);
  if (match === null || port > 65_535) {
    ctx.addIssue({ code: 'custom', message: `"${text}" is not HOST:PORT (e.g. 0.0.0.0:5681)` });
    return z.NEVER;
  }
  return { host: match[1] ?? match[2] ?? '', port };
});

/** A parsed `HOST:PORT`. */
export type HostPort = z.output<typeof HostPortSchema>;

/** `host:port` for logs and status fields; `undefined` (not listening) stays `undefined`. */
export function formatHostPort(address: HostPort | undefined): string | undefined {
  return address === undefined ? undefined : `${address.host}:${address.port}`;
}

interface ArgsRead {
  readonly values: Map<string, string>;
  readonly positionals: string[];
  readonly help: boolean;
}

function readArgs(args: readonly string[], flags: FlagDefinitions, problems: FieldError[]): ArgsRead {
  const options: Record<string, { type: 'string' | 'boolean'; short?: string }> = {};
  for (const [name, def] of Object.entries(flags)) {
    options[name] = def.short === undefined ? { type: def.type } : { type: def.type, short: def.short };
  }
  options.help ??= { type: 'boolean', short: 'h' };
  const { tokens } = parseArgs({
    args: [...args],
    options,
    strict: false,
    allowPositionals: true,
    tokens: true,
  });
  const values = new Map<string, string>();
  const positionals: string[] = [];
  let help = false;
  for (const token of tokens) {
    if (token.kind === 'positional') {
      positionals.push(token.value);
      continue;
    }
    if (token.kind !== 'option') {
      positionals.push(...args.slice(token.index + 1));
      break;
    }
    if (token.name === 'help' && flags.help === undefined) {
      help = true;
      continue;
    }
    const negated = token.name.startsWith('no-') ? token.name.slice(3) : undefined;
    const def = flags[token.name];
    if (def === undefined && negated !== undefined && flags[negated]?.type === 'boolean') {
      values.set(negated, 'false');
    } else if (def === undefined) {
      problems.push({ field: token.rawName, message: 'unknown flag (see --help)' });
    } else if (def.type === 'boolean') {
      values.set(token.name, token.inlineValue === true ? (token.value ?? '') : 'true');
    } else if (token.value === undefined || (token.inlineValue !== true && token.value.startsWith('-'))) {
      problems.push({ field: `--${token.name}`, message: 'needs a value' });
    } else {
      values.set(token.name, token.value);
    }
  }
  return { values, positionals, help };
}

function camelCase(flag: string): string {
  return flag.replace(/-([a-z0-9])/g, (_, letter: string) => letter.toUpperCase());
}

function kebabCase(key: string): string {
  return key.replace(/[A-Z]/g, (letter) => `-${letter.toLowerCase()}`);
}
