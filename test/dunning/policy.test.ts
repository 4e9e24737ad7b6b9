import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { describeEachBackend } from '../support/db.js';
import { AppError } from '../../src/errors.js';
import { defaultPolicy, parsePolicy, type DunningPolicy } from '../../src/dunning/policy.js';
import { currentPolicy, policyChanges, savePolicy } from '../../src/dunning/policy-store.js';
import { loadCalendar, saveCalendarOverride } from '../../src/dunning/calendar-store.js';
import { reset } from './fixtures.js';

const clone = (): DunningPolicy => structuredClone(defaultPolicy);

function problems(input: unknown): string[] {
  try {
    parsePolicy(input);
  } catch (e) {
    assert.ok(e instanceof AppError && e.code === 'VALIDATION_FAILED');
    return (e.details as { problems: string[] }).problems;
  }
  return [];
}

test('the default policy is valid: reminder +1, second +7, final +12 with a letter, the list at +15', () => {
  assert.deepEqual(parsePolicy(clone()), defaultPolicy);
  assert.deepEqual(defaultPolicy.stages.map((s) => [s.id, s.afterWorkingDays, s.template]), [
    ['reminder', 1, 'overdue_reminder'],
    ['second', 7, 'overdue_second'],
    ['final', 12, 'overdue_final'],
  ]);
  assert.equal(defaultPolicy.disconnection.afterWorkingDays, 15);
});

test('a bad policy is refused with every problem and where it is', () => {
  const p = clone() as unknown as { stages: Array<Record<string, unknown>>; disconnection: Record<string, unknown> };
  p.stages[1]!.afterWorkingDays = 1;
  p.stages[2]!.id = 'reminder';
  p.stages[0]!.channels = ['letter', 'sms'];
  p.stages[0]!.template = 'verification_code';
  p.stages[1]!.letterIfNoElectronicContact = true;
  p.disconnection.afterWorkingDays = 12;
  p.disconnection.extra = 1;
  const found = problems(p).join('\n');
  for (const expected of [
    /stages\.0\.channels: a letter can only be the last channel/,
    /stages\.0\.template/,
    /stages\.1\.letterIfNoElectronicContact: letterIfNoElectronicContact needs 'letter'/,
  ]) {
    assert.match(found, expected);
  }
  // Cross-stage rules are checked once the stages themselves are well formed.
  const order = clone();
  order.stages[1]!.afterWorkingDays = 1;
  order.stages[2]!.id = 'reminder';
  order.disconnection.afterWorkingDays = 12;
  assert.deepEqual(problems(order), [
    'stages.1.afterWorkingDays: stages must come in increasing afterWorkingDays',
    'stages.2.id: stage id "reminder" is used twice',
    'disconnection.afterWorkingDays: the disconnection list must come after the last notice',
  ]);
  const reserved = clone();
  reserved.stages[0]!.id = 'disconnection';
  assert.match(problems(reserved).join(), /"disconnection" is reserved/);
  assert.match(problems({ ...clone(), extra: true }).join(), /extra/);
  assert.match(problems({ ...clone(), stages: [] }).join(), /stages/);
});

test('policyChanges names every changed leaf with its old and new value', () => {
  const after = clone();
  after.stages[0]!.minOverdueEurMinor = 1000;
  after.stages[2]!.channels = ['email', 'letter'];
  assert.deepEqual(policyChanges(defaultPolicy, after), [
    'stages.0.minOverdueEurMinor: 500 → 1000',
    'stages.2.channels.0: "sms" → "email"',
    'stages.2.channels.1: "email" → "letter"',
    'stages.2.channels.2: "letter" → (none)',
  ]);
  assert.deepEqual(policyChanges(defaultPolicy, clone()), []);
});

describeEachBackend('dunning policy versions and calendar overrides', (get) => {
  test('the built-in default is version 0; each save is a new version with who, when, why, audited with the changes', async () => {
    const { db } = get();
    await reset(db);
    assert.deepEqual((await currentPolicy(db)).version, 0);
    const v1 = clone();
    v1.stages[0]!.minOverdueEurMinor = 1000;
    const s1 = await savePolicy(db, v1, 'staff:ivana', 'higher minimum for reminders');
    assert.equal(s1.version, 1);
    const v2 = clone();
    v2.disconnection.customerClasses = ['business'];
    await savePolicy(db, v2, 'staff:georgi');
    const now = await currentPolicy(db);
    assert.equal(now.version, 2);
    assert.equal(now.createdBy, 'staff:georgi');
    assert.deepEqual(now.policy.disconnection.customerClasses, ['business']);
    const rows = await db.selectFrom('dunning_policies').select(['version', 'created_by', 'note']).orderBy('version').execute();
    assert.deepEqual(rows, [
      { version: 1, created_by: 'staff:ivana', note: 'higher minimum for reminders' },
      { version: 2, created_by: 'staff:georgi', note: null },
    ]);
    const audit = await db.selectFrom('audit_events').select(['actor', 'subject', 'details']).where('action', '=', 'dunning.policy_saved').orderBy('id', 'desc').limit(2).execute();
    assert.deepEqual(audit.map((a) => [a.actor, a.subject, (a.details as { changes: string[] }).changes]), [
      ['staff:georgi', 'dunning_policy:2', ['stages.0.minOverdueEurMinor: 1000 → 500', 'disconnection.customerClasses.0: "household" → "business"', 'disconnection.customerClasses.1: "business" → (none)']],
      ['staff:ivana', 'dunning_policy:1', ['stages.0.minOverdueEurMinor: 500 → 1000']],
    ]);
    // History cannot be rewritten.
    await assert.rejects(sql`UPDATE dunning_policies SET created_by = 'x'`.execute(db), /append-only/);
    await assert.rejects(savePolicy(db, { stages: [] }, 'staff:x'), (e: unknown) => e instanceof AppError && e.code === 'VALIDATION_FAILED');
    assert.equal((await currentPolicy(db)).version, 2);
  });

  test('calendar overrides from the table are in the calendar the run uses; saving one is audited', async () => {
    const { db } = get();
    await reset(db);
    assert.equal((await loadCalendar(db)).isWorkingDay('2026-12-31'), true);
    await saveCalendarOverride(db, { date: '2026-12-31', kind: 'day_off', note: 'РМС № 1 / decision 1' }, 'staff:ivana');
    await saveCalendarOverride(db, { date: '2026-12-19', kind: 'working_day', note: 'отработване / make-up day' }, 'staff:ivana');
    const cal = await loadCalendar(db);
    assert.equal(cal.isWorkingDay('2026-12-31'), false);
    assert.equal(cal.isWorkingDay('2026-12-19'), true);
    await saveCalendarOverride(db, { date: '2026-12-31', kind: 'working_day', note: 'cancelled' }, 'staff:georgi');
    assert.equal((await loadCalendar(db)).isWorkingDay('2026-12-31'), true);
    await assert.rejects(saveCalendarOverride(db, { date: '2026-02-30', kind: 'day_off', note: 'x' }, 'staff:x'), /date/);
    const n = await db.selectFrom('audit_events').select(sql<number>`count(*)::int`.as('n')).where('action', '=', 'dunning.calendar_override_saved').executeTakeFirstOrThrow();
    assert.ok(n.n >= 3);
  });
});
