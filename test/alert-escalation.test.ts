import { afterEach, describe, expect, it } from 'vitest';
import { applyAlertAction } from '../src/alerts/actions.js';
import { formatAlertId, getAlert } from '../src/alerts/store.js';
import { escalateOverdueAlerts } from '../src/jobs/escalation.js';
import { readTimeline } from '../src/store/outbox.js';
import { ML_GROUP, ML_LEAD_GROUP, openTestAlert, outboxRows, removeStore, testContext, type TestContext } from './alert-fixtures.js';

const MINUTE = 60_000;
const contexts: TestContext[] = [];

function context(): TestContext {
  const created = testContext();
  contexts.push(created);
  return created;
}

afterEach(() => {
  for (const created of contexts.splice(0)) {
    created.close();
    removeStore(created.path);
  }
});

function replies(ctx: TestContext): string[] {
  return outboxRows(ctx.db)
    .filter((row) => row.kind === 'reply')
    .map((row) => row.payload.text);
}

describe('alert escalation job', () => {
  it('escalates to the user group after the deadline', () => {
    const ctx = context();
    const alert = openTestAlert(ctx.db, ctx.clock.now());
    ctx.clock.advance(29 * MINUTE);
    escalateOverdueAlerts(ctx);
    expect(getAlert(ctx.db, alert.id)?.escalationLevel).toBe(0);
    ctx.clock.advance(MINUTE);
    escalateOverdueAlerts(ctx);
    const escalated = getAlert(ctx.db, alert.id)!;
    expect(escalated.escalationLevel).toBe(1);
    expect(escalated.state).toBe('escalated');
    expect(escalated.escalatedBy).toBe('pitstop');
    expect(replies(ctx)).toHaveLength(1);
    expect(replies(ctx)[0]).toContain(`<!subteam^${ML_GROUP}>`);
    expect(replies(ctx)[0]).toContain('Nobody acknowledged it within 30m.');
    const update = outboxRows(ctx.db).find((row) => row.message_key === `alert:${alert.id}`);
    expect(JSON.stringify(update?.payload.blocks)).toContain('Escalated to level 1 by *pitstop*');
  });

  it('reaches level 2 after another wait and stops', () => {
    const ctx = context();
    const alert = openTestAlert(ctx.db, ctx.clock.now());
    ctx.clock.advance(30 * MINUTE);
    escalateOverdueAlerts(ctx);
    escalateOverdueAlerts(ctx);
    expect(getAlert(ctx.db, alert.id)?.escalationLevel).toBe(1);
    ctx.clock.advance(30 * MINUTE);
    escalateOverdueAlerts(ctx);
    expect(getAlert(ctx.db, alert.id)?.escalationLevel).toBe(2);
    expect(replies(ctx)[1]).toContain(`<!subteam^${ML_LEAD_GROUP}>`);
    ctx.clock.advance(120 * MINUTE);
    escalateOverdueAlerts(ctx);
    expect(getAlert(ctx.db, alert.id)?.escalationLevel).toBe(2);
    const actors = readTimeline(ctx.db, 'alert', formatAlertId(alert.id))
      .filter((entry) => entry.action === 'escalated')
      .map((entry) => entry.actor);
    expect(actors).toEqual(['pitstop', 'pitstop']);
  });

  it('leaves acknowledged alerts alone', () => {
    const ctx = context();
    const alert = openTestAlert(ctx.db, ctx.clock.now());
    applyAlertAction(ctx, alert.id, { kind: 'acknowledge' }, 'U0ANA');
    ctx.clock.advance(90 * MINUTE);
    escalateOverdueAlerts(ctx);
    expect(getAlert(ctx.db, alert.id)?.escalationLevel).toBe(0);
  });

  it('stops where a team has no next level', () => {
    const ctx = context();
    const infra = openTestAlert(ctx.db, ctx.clock.now(), 'infra');
    const unowned = openTestAlert(ctx.db, ctx.clock.now(), 'unowned');
    ctx.clock.advance(30 * MINUTE);
    escalateOverdueAlerts(ctx);
    ctx.clock.advance(30 * MINUTE);
    escalateOverdueAlerts(ctx);
    expect(getAlert(ctx.db, infra.id)?.escalationLevel).toBe(1);
    expect(getAlert(ctx.db, unowned.id)?.escalationLevel).toBe(0);
  });

  it('wakes a snoozed alert and waits again before escalating', () => {
    const ctx = context();
    const alert = openTestAlert(ctx.db, ctx.clock.now());
    applyAlertAction(ctx, alert.id, { kind: 'snooze', durationMs: 60 * MINUTE, label: '1h' }, 'U0ANA');
    ctx.clock.advance(59 * MINUTE);
    escalateOverdueAlerts(ctx);
    expect(getAlert(ctx.db, alert.id)?.state).toBe('snoozed');
    ctx.clock.advance(MINUTE);
    escalateOverdueAlerts(ctx);
    expect(getAlert(ctx.db, alert.id)?.state).toBe('open');
    expect(replies(ctx).some((text) => text.startsWith('Snooze ended'))).toBe(true);
    ctx.clock.advance(29 * MINUTE);
    escalateOverdueAlerts(ctx);
    expect(getAlert(ctx.db, alert.id)?.escalationLevel).toBe(0);
    ctx.clock.advance(MINUTE);
    escalateOverdueAlerts(ctx);
    expect(getAlert(ctx.db, alert.id)?.escalationLevel).toBe(1);
  });
});

describe('alert actions', () => {
  it('answer a second acknowledge without changing anything', () => {
    const ctx = context();
    const alert = openTestAlert(ctx.db, ctx.clock.now());
    const first = applyAlertAction(ctx, alert.id, { kind: 'acknowledge' }, 'U0ANA');
    const rows = outboxRows(ctx.db).length;
    const second = applyAlertAction(ctx, alert.id, { kind: 'acknowledge' }, 'U0BOB');
    expect(first.changed).toBe(true);
    expect(second.changed).toBe(false);
    expect(second.text).toMatch(/^AL-\d+ was already acknowledged by <@U0ANA> at /);
    expect(outboxRows(ctx.db)).toHaveLength(rows);
  });

  it('refuse an escalation the team cannot take', () => {
    const ctx = context();
    const alert = openTestAlert(ctx.db, ctx.clock.now(), 'unowned');
    const outcome = applyAlertAction(ctx, alert.id, { kind: 'escalate' }, 'U0ANA');
    expect(outcome.changed).toBe(false);
    expect(outcome.text).toContain('team unowned is not declared under teams');
  });

  it('report an unknown alert id', () => {
    const ctx = context();
    const outcome = applyAlertAction(ctx, 404, { kind: 'acknowledge' }, 'U0ANA');
    expect(outcome).toEqual({ found: false, changed: false, text: 'No alert AL-404 exists. `/pitstop pending` lists the open alerts.' });
  });
});
