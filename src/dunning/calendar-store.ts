import type { Kysely } from 'kysely';
import { recordAudit } from '../audit/record.js';
import type { DB } from '../db/schema.js';
import { AppError } from '../errors.js';
import { isLocalDate, makeCalendar, type Calendar, type CalendarOverride } from './calendar/index.js';

/** The statutory calendar with the government's declared days from `calendar_overrides`. */
export async function loadCalendar(db: Kysely<DB>): Promise<Calendar> {
  const rows = await db.selectFrom('calendar_overrides').select(['date', 'kind', 'note']).execute();
  return makeCalendar(rows);
}

/**
 * Declares a date a day off or a working day (replacing an earlier declaration of that date).
 * Runs already made are not redone: the change counts from the next run.
 */
export async function saveCalendarOverride(db: Kysely<DB>, o: CalendarOverride, actor: string): Promise<void> {
  if (!isLocalDate(o.date)) throw new AppError('VALIDATION_FAILED', `date: not a date YYYY-MM-DD: ${JSON.stringify(o.date)}`);
  if (o.kind !== 'day_off' && o.kind !== 'working_day') throw new AppError('VALIDATION_FAILED', 'kind: day_off or working_day');
  if (o.note.trim() === '') throw new AppError('VALIDATION_FAILED', 'note: say which decision declared it');
  await db.transaction().execute(async (trx) => {
    await trx
      .insertInto('calendar_overrides')
      .values({ date: o.date, kind: o.kind, note: o.note, created_by: actor })
      .onConflict((oc) => oc.column('date').doUpdateSet({ kind: o.kind, note: o.note, created_by: actor, created_at: new Date() }))
      .execute();
    await recordAudit(trx, { actor, action: 'dunning.calendar_override_saved', subject: `calendar:${o.date}`, details: { ...o } });
  });
}
