import type { Kysely } from 'kysely';
import type { ApprovalSettings } from '../backoffice/run-approval.js';
import type { DB } from '../db/schema.js';
import type { Renderer } from '../delivery/outbox/message.js';
import { silentLogger, type Logger } from '../log.js';
import { nextDailyRun, sofiaDate, sofiaInstant, type ClockTime } from './calendar/index.js';
import { loadCalendar } from './calendar-store.js';
import { runDunning, type RunReport } from './run.js';

export interface SchedulerOptions {
  db: Kysely<DB>;
  /** Sofia wall-clock time of the daily run. */
  runAt: ClockTime;
  workingDaysOnly: boolean;
  render: Renderer;
  smsPricePerSegmentMinor: number;
  viberPricePerMessageMinor?: number;
  /** config.backoffice.runApproval: a run far bigger than usual holds its notices for a supervisor. */
  approval?: ApprovalSettings;
  logger?: Logger;
  now?: () => Date;
}

// Wake at least this often, so a changed calendar or a clock jump is noticed within the hour.
const MAX_SLEEP_MS = 3_600_000;
const RETRY_MS = 60_000;

/**
 * Starts the daily run at `runAt` Sofia time (on working days only, if so configured) in every
 * process that runs it; the advisory lock and the run record let exactly one of them run each day.
 * A process started after the hour runs the day's run if nobody has (a missed run is caught up).
 */
export class DunningScheduler {
  private timer: NodeJS.Timeout | null = null;
  private ticking: Promise<void> | null = null;
  private stopped = true;
  private readonly now: () => Date;
  private readonly log: Logger;

  constructor(private readonly o: SchedulerOptions) {
    this.now = o.now ?? (() => new Date());
    this.log = (o.logger ?? silentLogger).child({ component: 'dunning-scheduler' });
  }

  start(): void {
    if (!this.stopped) throw new Error('the dunning scheduler is already running');
    this.stopped = false;
    this.wakeIn(0);
  }

  /** Stops waking up; a run in progress finishes first. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.ticking;
  }

  /** Today's scheduled run, if today is a run day, its hour has come and no process has run it. */
  async runIfDue(): Promise<RunReport | null> {
    const now = this.now();
    const today = sofiaDate(now);
    const calendar = await loadCalendar(this.o.db);
    if (this.o.workingDaysOnly && !calendar.isWorkingDay(today)) return null;
    if (now.getTime() < sofiaInstant(today, this.o.runAt).getTime()) return null;
    return runDunning(this.o.db, {
      date: today,
      trigger: 'schedule',
      actor: 'scheduler',
      render: this.o.render,
      smsPricePerSegmentMinor: this.o.smsPricePerSegmentMinor,
      viberPricePerMessageMinor: this.o.viberPricePerMessageMinor ?? 0,
      oncePerDay: true,
      approval: this.o.approval,
    });
  }

  private wakeIn(ms: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.ticking = this.tick().finally(() => {
        this.ticking = null;
      });
    }, ms);
    this.timer.unref();
  }

  private async tick(): Promise<void> {
    let sleep = RETRY_MS;
    try {
      const r = await this.runIfDue();
      if (r && r.skipped === null) {
        const figures = { runId: r.runId, date: r.date, notices: r.noticesCreated, disconnection: r.disconnectionCount, overdue: r.overdueCustomers };
        if (r.approval?.held) this.log.warn({ ...figures, usual: r.approval.usualNotices }, 'daily dunning run held: far more notices than usual wait for a supervisor');
        else this.log.info(figures, 'daily dunning run done');
      }
      const now = this.now();
      const next = nextDailyRun(now, this.o.runAt, { calendar: await loadCalendar(this.o.db), workingDaysOnly: this.o.workingDaysOnly });
      sleep = Math.min(MAX_SLEEP_MS, Math.max(0, next.getTime() - now.getTime()));
    } catch (err) {
      this.log.error({ err }, 'daily dunning run failed; trying again in a minute');
    }
    this.wakeIn(sleep);
  }
}
