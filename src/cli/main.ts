#!/usr/bin/env node
import { loadConfig, ConfigError, type Config } from '../config.js';
import { createLogger } from '../log.js';
import { DataDirLockedError } from '../db/data-dir-lock.js';
import { commandHelp, commands, usage } from './commands/index.js';
import { UsageError } from './command.js';

/** --help or -h among a command's arguments (before `--`, after which everything is an operand). */
function asksForHelp(args: string[]): boolean {
  const end = args.indexOf('--');
  return (end === -1 ? args : args.slice(0, end)).some((a) => a === '--help' || a === '-h');
}

// The only place that reads process.env: configuration is validated once and passed down frozen.
async function main(argv: string[]): Promise<number> {
  const [first, ...rest] = argv;
  // `izvestie help import` reads as `izvestie import --help`.
  const [name, args] = first === 'help' && rest[0] ? [rest[0], ['--help']] : [first, rest];
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(usage());
    return name ? 0 : 2;
  }
  const command = commands[name];
  if (!command) {
    process.stderr.write(`izvestie: unknown command "${name}"\n\n${usage()}`);
    return 2;
  }
  // Before the configuration is read, so that help works while the settings are still wrong.
  if (asksForHelp(args)) {
    process.stdout.write(commandHelp(command));
    return 0;
  }
  let config: Config;
  try {
    config = loadConfig(process.env);
  } catch (e) {
    if (e instanceof ConfigError) {
      process.stderr.write(`izvestie: configuration error: ${e.message}\n`);
      return 2;
    }
    throw e;
  }
  const logger = createLogger(command.quietLogs && config.logLevel === 'info' ? 'warn' : config.logLevel, config.logFormat);
  try {
    return await command.run(args, { config, logger });
  } catch (e) {
    if (e instanceof DataDirLockedError || e instanceof UsageError) {
      process.stderr.write(`izvestie: ${e.message}\n`);
      return 2;
    }
    logger.fatal({ err: e }, `${name} failed`);
    return 1;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e) => {
    process.stderr.write(`izvestie: ${(e as Error).stack ?? String(e)}\n`);
    process.exitCode = 1;
  },
);
