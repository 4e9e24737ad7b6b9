import type { Command } from '../command.js';
import { demoDataCommand } from './demo-data.js';
import { disconnectionsCommand } from './disconnections.js';
import { importCommand } from './import.js';
import { lettersCommand } from './letters.js';
import { migrateCommand } from './migrate.js';
import { reportCommand } from './report.js';
import { runCommand } from './run.js';
import { startCommand } from './start.js';
import { userCommand } from './user.js';
import { workerCommand } from './worker.js';

export const commands: Record<string, Command> = {
  start: startCommand,
  worker: workerCommand,
  letters: lettersCommand,
  run: runCommand,
  disconnections: disconnectionsCommand,
  report: reportCommand,
  import: importCommand,
  'demo-data': demoDataCommand,
  migrate: migrateCommand,
  user: userCommand,
};

export function usage(): string {
  const width = Math.max(...Object.keys(commands).map((k) => k.length));
  return (
    'izvestie — overdue-bill notices by SMS, email and letter\n\nCommands:\n' +
    Object.entries(commands)
      .map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}\n  ${' '.repeat(width)}  ${c.usage}`)
      .join('\n') +
    '\n\n`izvestie <command> --help` shows one command. Settings come from environment variables; see the README.\n'
  );
}

/** `izvestie <command> --help`: what the command does, how to call it, and its options. */
export function commandHelp(command: Command): string {
  const options = command.options ?? [];
  const width = Math.max(0, ...options.map(([flag]) => flag.length));
  return (
    `${command.summary}\n\nusage: ${command.usage}\n` +
    (options.length ? `\nOptions:\n${options.map(([flag, meaning]) => `  ${flag.padEnd(width)}  ${meaning}\n`).join('')}` : '') +
    '\nSettings come from environment variables; see the README.\n'
  );
}
