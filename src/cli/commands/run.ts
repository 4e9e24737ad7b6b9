import { userInfo } from 'node:os';
import { decideRun, type RunDecision } from '../../backoffice/run-approval.js';
import { isLocalDate, sofiaDate } from '../../dunning/calendar/index.js';
import { assemble } from '../../app/root.js';
import { runDunning, type RunReport } from '../../dunning/run.js';
import { isAppError } from '../../errors.js';
import { parse, UsageError, type Command, type CommandContext } from '../command.js';
import { withDatabase } from '../open.js';

const usage = 'izvestie run [--date YYYY-MM-DD] [--dry-run] | --approve YYYY-MM-DD | --reject YYYY-MM-DD --reason TEXT';

const eur = (minor: number) => (minor / 100).toFixed(2);

export function formatRunReport(r: RunReport): string {
  const head = r.dryRun
    ? `Dunning run for ${r.date} (policy version ${r.policyVersion}) — DRY RUN: nothing was written or sent`
    : `Dunning run ${r.runId} for ${r.date} (policy version ${r.policyVersion})`;
  const lines = [head, '', 'stage           customers  not covered  below min  held  no contact  channel  planned  new'];
  for (const s of r.stages) {
    const left = `${s.stage.padEnd(15)} ${String(s.customers).padStart(9)}  ${String(s.notCovered).padStart(11)}  ${String(s.belowMinimum).padStart(9)}  ${String(s.held).padStart(4)}`;
    if (s.template === null) {
      lines.push(`${left}  ${''.padStart(10)}  listed   ${String(s.listed).padStart(7)}  ${String(s.newlyListed).padStart(3)}`);
      continue;
    }
    s.channels.forEach((c, i) => {
      const start = i === 0 ? `${left}  ${String(s.noContact).padStart(10)}` : ' '.repeat(left.length + 12);
      lines.push(`${start}  ${c.channel.padEnd(7)}  ${String(c.planned).padStart(7)}  ${String(c.created).padStart(3)}`);
    });
  }
  lines.push(
    '',
    `${r.dryRun ? 'Would create' : 'Created'} ${r.noticesCreated} notice(s); SMS about ${r.smsSegments} part(s), about ${eur(r.smsCostMinor)} EUR.`,
    `SMS notices: ${r.smsNotices}; average parts per SMS notice: ${r.smsPartsPerNotice === null ? '-' : r.smsPartsPerNotice.toFixed(2)}${perStage(r)}.`,
    ...(r.viberNotices ? [`Viber notices: ${r.viberNotices}, about ${eur(r.viberCostMinor ?? 0)} EUR (a number without Viber gets the SMS, priced as SMS parts when sent).`] : []),
    `Disconnection list: ${r.disconnectionCount} customer(s).`,
    `Pre-due reminders: ${r.lifecycle.preDue}; contact checks: ${r.lifecycle.contactChecks}.`,
  );
  if (r.approval?.held) {
    lines.push(
      '',
      `${r.dryRun ? 'The run would be HELD' : 'HELD'} for approval: ${r.noticesCreated} notice(s) against a usual ${r.approval.usualNotices} a day; nothing is sent until a supervisor decides.`,
      ...(r.dryRun ? [] : [`Approve: izvestie run --approve ${r.date}    Reject: izvestie run --reject ${r.date} --reason TEXT`]),
    );
  }
  return lines.join('\n') + '\n';
}

/** " (reminder 1.00, final 1.00)": the average parts of each stage that has SMS notices. */
function perStage(r: RunReport): string {
  const stages = r.stages.filter((s) => s.smsPartsPerNotice !== undefined && s.smsPartsPerNotice !== null);
  return stages.length === 0 ? '' : ` (${stages.map((s) => `${s.stage} ${(s.smsPartsPerNotice as number).toFixed(2)}`).join(', ')})`;
}

export function formatDecision(d: RunDecision): string {
  const runs = `${d.runIds.length === 1 ? 'run' : 'runs'} ${d.runIds.join(', ')}`;
  return d.decision === 'approved'
    ? `Approved the run of ${d.runDate} (${runs}): ${d.notices} notice(s) released to the worker.\n`
    : `Rejected the run of ${d.runDate} (${runs}): ${d.notices} notice(s) cancelled.\n`;
}

async function decide(ctx: CommandContext, a: { date: string | undefined; decision: 'approved' | 'rejected'; reason: string | null }): Promise<number> {
  if (a.date === undefined || !isLocalDate(a.date)) throw new UsageError(`--approve and --reject take a date YYYY-MM-DD\nusage: ${usage}`);
  const runDate = a.date;
  try {
    const d = await withDatabase(ctx, (database) => decideRun(database.db, { runDate, decision: a.decision, reason: a.reason, actor: `cli:${userInfo().username}` }));
    process.stdout.write(formatDecision(d));
    return 0;
  } catch (e) {
    if (isAppError(e) && e.status < 500) {
      process.stderr.write(`izvestie: ${e.message}\n`);
      return 2;
    }
    throw e;
  }
}

export const runCommand: Command = {
  summary: 'Run dunning for a day (default today): plan and enqueue the notices; --dry-run only shows them; --approve/--reject decide a held run',
  usage,
  quietLogs: true,
  async run(args, ctx) {
    const { values } = parse(
      args,
      { date: { type: 'string' }, 'dry-run': { type: 'boolean' }, approve: { type: 'string' }, reject: { type: 'string' }, reason: { type: 'string' } },
      usage,
    );
    const deciding = values.approve !== undefined || values.reject !== undefined;
    if (deciding && (values.date !== undefined || values['dry-run'] || (values.approve !== undefined && values.reject !== undefined))) {
      throw new UsageError(`--approve and --reject are used alone\nusage: ${usage}`);
    }
    if (values.reason !== undefined && values.reject === undefined) throw new UsageError(`--reason goes with --reject\nusage: ${usage}`);
    if (values.approve !== undefined) return decide(ctx, { date: values.approve, decision: 'approved', reason: null });
    if (values.reject !== undefined) {
      if (!values.reason?.trim()) throw new UsageError(`--reject needs --reason TEXT\nusage: ${usage}`);
      return decide(ctx, { date: values.reject, decision: 'rejected', reason: values.reason });
    }
    const date = values.date ?? sofiaDate(new Date());
    if (!isLocalDate(date)) throw new UsageError(`--date must be a date YYYY-MM-DD\nusage: ${usage}`);
    const report = await withDatabase(ctx, async (database) => {
      // The SMS estimate counts parts with the templates in force, as the worker will render them.
      const root = await assemble(ctx.config, ctx.logger, database);
      return runDunning(database.db, {
        date,
        dryRun: values['dry-run'] === true,
        trigger: 'cli',
        actor: 'cli',
        render: root.render,
        smsPricePerSegmentMinor: ctx.config.delivery.smsPricePerSegmentMinor,
        viberPricePerMessageMinor: ctx.config.delivery.viber?.pricePerMessageMinor ?? 0,
        approval: ctx.config.backoffice.runApproval,
      });
    });
    process.stdout.write(formatRunReport(report));
    return 0;
  },
};
