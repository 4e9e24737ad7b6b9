// Staff accounts from the command line: the first admin, and a way back in when every admin is
// locked out. The password comes from standard input (piped), a hidden prompt (a terminal), or
// --generate (printed once).
import { userInfo } from 'node:os';
import { createInterface } from 'node:readline';
import { Writable } from 'node:stream';
import { generatePassword } from '../../backoffice/passwords.js';
import { ROLES, isRole } from '../../backoffice/roles.js';
import { createUser, listUsers, normaliseUsername, resetPassword, unlockUser } from '../../backoffice/users.js';
import { isAppError } from '../../errors.js';
import { parse, UsageError, type Command } from '../command.js';
import { withDatabase } from '../open.js';

const usage =
  'izvestie user add --role agent|supervisor|admin --username U [--name "Full Name"] [--generate]\n' +
  '       izvestie user reset-password --username U [--generate]\n' +
  '       izvestie user unlock --username U\n' +
  '       izvestie user list';

async function readPiped(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8').split(/\r?\n/)[0] ?? '';
}

/** Asks on the terminal without echoing what is typed. */
function ask(question: string): Promise<string> {
  let muted = false;
  const output = new Writable({
    write(chunk: Buffer, _enc, done) {
      if (!muted) process.stderr.write(chunk);
      done();
    },
  });
  const rl = createInterface({ input: process.stdin, output, terminal: true });
  return new Promise((resolve) => {
    rl.question(question, (answer) => {
      rl.close();
      process.stderr.write('\n');
      resolve(answer);
    });
    muted = true;
  });
}

/** The new password, and whether to print it (only when the program made it up). */
async function newPassword(generate: boolean | undefined): Promise<{ password: string; show: boolean }> {
  if (generate) return { password: generatePassword(), show: true };
  if (!process.stdin.isTTY) return { password: await readPiped(), show: false };
  const a = await ask('Password (at least 12 characters): ');
  const b = await ask('The same password again: ');
  if (a !== b) throw new UsageError('the two passwords differ');
  return { password: a, show: false };
}

const cliActor = () => `cli:${userInfo().username}`;

export const userCommand: Command = {
  summary: 'Manage back-office staff accounts (the first admin, unlock, reset a password)',
  usage,
  quietLogs: true,
  async run(args, ctx) {
    const { values, positionals } = parse(
      args,
      { role: { type: 'string' }, username: { type: 'string' }, name: { type: 'string' }, generate: { type: 'boolean' } },
      usage,
    );
    const [action] = positionals;
    if (action === 'list') {
      await withDatabase(ctx, async (database) => {
        for (const u of await listUsers(database.db)) {
          const state = u.disabledAt ? 'disabled' : u.lockedUntil && u.lockedUntil > new Date() ? 'locked' : 'active';
          process.stdout.write(`${u.username}\t${u.role}\t${state}\t${u.totpEnabled ? 'totp' : '-'}\t${u.displayName}\n`);
        }
      });
      return 0;
    }
    const username = normaliseUsername(values.username ?? '');
    if (!username || !['add', 'reset-password', 'unlock'].includes(action ?? '')) throw new UsageError(`usage: ${usage}`);
    if (action === 'add' && !isRole(values.role)) throw new UsageError(`--role: one of ${ROLES.join(', ')}\nusage: ${usage}`);
    const password = action === 'unlock' ? null : await newPassword(values.generate);
    try {
      await withDatabase(ctx, async (database) => {
        const db = database.db;
        if (action === 'add' && password && isRole(values.role)) {
          await createUser(db, { username, displayName: values.name ?? username, role: values.role, password: password.password }, cliActor());
          process.stdout.write(`created ${values.role} ${username}\n`);
        } else {
          const u = await db.selectFrom('staff_users').select('id').where('username', '=', username).executeTakeFirst();
          if (!u) throw new UsageError(`no staff user ${username}`);
          if (action === 'unlock') await unlockUser(db, u.id, cliActor());
          else if (password) await resetPassword(db, u.id, password.password, cliActor());
          process.stdout.write(`${action === 'unlock' ? 'unlocked' : 'new password set for'} ${username}\n`);
        }
        // Shown once: it is stored only as a scrypt hash.
        if (password?.show) process.stdout.write(`password: ${password.password}\n`);
      });
    } catch (e) {
      if (isAppError(e) && (e.code === 'VALIDATION_FAILED' || e.code === 'CONFLICT')) {
        process.stderr.write(`izvestie: ${e.message}\n`);
        return e.code === 'CONFLICT' ? 1 : 2;
      }
      throw e;
    }
    return 0;
  },
};
