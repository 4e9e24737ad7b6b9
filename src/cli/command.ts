import { parseArgs, type ParseArgsConfig } from 'node:util';
import type { Config } from '../config.js';
import type { Logger } from '../log.js';

export interface CommandContext {
  config: Config;
  logger: Logger;
}

export interface Command {
  summary: string;
  usage: string;
  /** Each option with what it does, for `izvestie <command> --help`. */
  options?: ReadonlyArray<readonly [flag: string, meaning: string]>;
  /** Commands that print a report keep pino at warn unless LOG_LEVEL asks for more. */
  quietLogs?: boolean;
  run(args: string[], ctx: CommandContext): Promise<number>;
}

export class UsageError extends Error {}

export function parse<T extends NonNullable<ParseArgsConfig['options']>>(args: string[], options: T, usage: string) {
  try {
    return parseArgs({ args, options, allowPositionals: true, strict: true });
  } catch (e) {
    throw new UsageError(`${(e as Error).message}\nusage: ${usage}`);
  }
}
