import { afterEach, describe, expect, it } from 'vitest';
import {
  acknowledge,
  escalate,
  findOpenAlert,
  formatAlertId,
  getAlert,
  listOpenAlerts,
  listSnoozeEnded,
  listWaitingSince,
  parseAlertId,
  resolve,
  snooze,
  wake,
} from '../src/alerts/store.js';
import { readTimeline } from '../src/store/outbox.js';
import { openTestAlert, removeStore, testContext, type TestContext } from './alert-fixtures.js';

const contexts: TestContext[] = [];

function context(path?: string): TestContext {
  const created = testContext(path === undefined ? {} : { path });
  contexts.push(created);
  return created;
}

afterEach(() => {
  for (const created of contexts.splice(0)) {
    created.close();
    removeStore(created.path);
  }
});

describe('alert state machine', () => {
  it('acknowledges once', () => {
    const ctx = context();
    const alert = openTestAlert(ctx.db, ctx.clock.now());
    ctx.clock.advance(60_000);
    const first = acknowledge(ctx.db, alert.id, 'U0ANA', ctx.clock.now());
    expect(first.changed).toBe(true);
    expect(first.alert.state).toBe('acknowledged');
    expect(first.alert.acknowledgedBy).toBe('U0ANA');
    expect(first.alert.acknowledgedAt).toBe('2026-03-02T12:01:00.000Z');
    ctx.clock.advance(1000);
    const second = acknowledge(ctx.db, alert.id, 'W0BOB', ctx.clock.now());
    expect(second.changed).toBe(false);
    expect(second.alert.acknowledgedBy).toBe('U0ANA');
    const actions = readTimeline(ctx.db, 'alert', formatAlertId(alert.id)).map((entry) => [entry.actor, entry.action, entry.at]);
    expect(actions).toEqual([
      ['pitstop', 'opened', '2026-03-02T12:00:00.000Z'],
      ['U0ANA', 'acknowledged', '2026-03-02T12:01:00.000Z'],
    ]);
  });

  it('escalates only from the level below', () => {
    const ctx = context();
    const alert = openTestAlert(ctx.db, ctx.clock.now());
    expect(escalate(ctx.db, alert.id, 2, 'U0ANA', ctx.clock.now(), 'S0X').changed).toBe(false);
    const first = escalate(ctx.db, alert.id, 1, 'U0ANA', ctx.clock.now(), 'S0MLTRAIN');
    expect(first.changed).toBe(true);
    expect(first.alert.state).toBe('escalated');
    expect(first.alert.escalationLevel).toBe(1);
    expect(escalate(ctx.db, alert.id, 1, 'U0BOB', ctx.clock.now(), 'S0MLTRAIN').changed).toBe(false);
    expect(escalate(ctx.db, alert.id, 2, 'U0BOB', ctx.clock.now(), 'S0MLLEADS').alert.escalationLevel).toBe(2);
    const escalations = readTimeline(ctx.db, 'alert', formatAlertId(alert.id)).filter((entry) => entry.action === 'escalated');
    expect(escalations.map((entry) => entry.detail)).toEqual([
      { level: 1, target: 'S0MLTRAIN' },
      { level: 2, target: 'S0MLLEADS' },
    ]);
  });

  it('keeps an acknowledged alert acknowledged on escalation', () => {
    const ctx = context();
    const alert = openTestAlert(ctx.db, ctx.clock.now());
    acknowledge(ctx.db, alert.id, 'U0ANA', ctx.clock.now());
    const result = escalate(ctx.db, alert.id, 1, 'U0ANA', ctx.clock.now(), 'S0MLTRAIN');
    expect(result.changed).toBe(true);
    expect(result.alert.state).toBe('acknowledged');
  });

  it('snoozes and wakes at the end', () => {
    const ctx = context();
    const alert = openTestAlert(ctx.db, ctx.clock.now());
    escalate(ctx.db, alert.id, 1, 'pitstop', ctx.clock.now(), 'S0MLTRAIN');
    const until = new Date(ctx.clock.now().getTime() + 3_600_000);
    expect(snooze(ctx.db, alert.id, until, 'U0ANA', ctx.clock.now()).alert.state).toBe('snoozed');
    expect(snooze(ctx.db, alert.id, new Date(until.getTime() + 1000), 'U0ANA', ctx.clock.now()).changed).toBe(false);
    ctx.clock.advance(3_599_000);
    expect(wake(ctx.db, alert.id, ctx.clock.now()).changed).toBe(false);
    expect(listSnoozeEnded(ctx.db, ctx.clock.now())).toEqual([]);
    ctx.clock.advance(1000);
    expect(listSnoozeEnded(ctx.db, ctx.clock.now()).map((entry) => entry.id)).toEqual([alert.id]);
    const woke = wake(ctx.db, alert.id, ctx.clock.now());
    expect(woke.changed).toBe(true);
    expect(woke.alert.state).toBe('escalated');
    expect(woke.alert.snoozedUntil).toBeNull();
    expect(woke.alert.waitingSince).toBe(ctx.clock.now().toISOString());
  });

  it('clears a snooze on acknowledge', () => {
    const ctx = context();
    const alert = openTestAlert(ctx.db, ctx.clock.now());
    snooze(ctx.db, alert.id, new Date(ctx.clock.now().getTime() + 60_000_000), 'U0ANA', ctx.clock.now());
    const result = acknowledge(ctx.db, alert.id, 'U0BOB', ctx.clock.now());
    expect(result.alert.state).toBe('acknowledged');
    expect(result.alert.snoozedUntil).toBeNull();
  });

  it('resolves once and frees the group key', () => {
    const ctx = context();
    const alert = openTestAlert(ctx.db, ctx.clock.now());
    expect(() => openTestAlert(ctx.db, ctx.clock.now())).toThrow(/UNIQUE/);
    expect(resolve(ctx.db, alert.id, 'pitstop', ctx.clock.now()).changed).toBe(true);
    expect(resolve(ctx.db, alert.id, 'pitstop', ctx.clock.now()).changed).toBe(false);
    expect(acknowledge(ctx.db, alert.id, 'U0ANA', ctx.clock.now()).changed).toBe(false);
    expect(findOpenAlert(ctx.db, alert.groupKey)).toBeUndefined();
    const next = openTestAlert(ctx.db, ctx.clock.now());
    expect(next.id).toBe(alert.id + 1);
    expect(listOpenAlerts(ctx.db).map((entry) => entry.id)).toEqual([next.id]);
  });

  it('lists unacknowledged alerts waiting past a cutoff', () => {
    const ctx = context();
    const waiting = openTestAlert(ctx.db, ctx.clock.now(), 'ml');
    const acked = openTestAlert(ctx.db, ctx.clock.now(), 'infra');
    acknowledge(ctx.db, acked.id, 'U0ANA', ctx.clock.now());
    expect(listWaitingSince(ctx.db, new Date(ctx.clock.now().getTime() - 1)).map((entry) => entry.id)).toEqual([]);
    expect(listWaitingSince(ctx.db, ctx.clock.now()).map((entry) => entry.id)).toEqual([waiting.id]);
  });

  it('keeps state across a reopen of the file', () => {
    const first = context();
    const alert = openTestAlert(first.db, first.clock.now());
    acknowledge(first.db, alert.id, 'W0ANA', first.clock.now());
    first.close();
    const second = testContext({ path: first.path });
    try {
      expect(getAlert(second.db, alert.id)?.acknowledgedBy).toBe('W0ANA');
      expect(findOpenAlert(second.db, alert.groupKey)?.id).toBe(alert.id);
    } finally {
      second.close();
    }
    contexts.splice(contexts.indexOf(first), 1);
    removeStore(first.path);
  });
});

describe('alert ids', () => {
  it('read the forms users type', () => {
    expect(formatAlertId(12)).toBe('AL-12');
    expect(parseAlertId('AL-12')).toBe(12);
    expect(parseAlertId('al-12')).toBe(12);
    expect(parseAlertId(' 12 ')).toBe(12);
    expect(parseAlertId('AL-0')).toBeNull();
    expect(parseAlertId('MX-12')).toBeNull();
    expect(parseAlertId('12abc')).toBeNull();
  });
});
