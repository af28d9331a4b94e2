import { applyAlertAction, wakeAlert } from '../alerts/actions.js';
import { listSnoozeEnded, listWaitingSince, PITSTOP_ACTOR } from '../alerts/store.js';
import { nextEscalation } from '../alerts/targets.js';
import { parseDuration } from '../config/schema.js';
import type { PitstopContext } from '../context.js';

/**
 * Wakes alerts whose snooze has ended, then escalates each unacknowledged alert that has waited
 * `alerting.escalateAfter` since it opened, last escalated or woke: to level 1 (the team's user group),
 * and after another wait to level 2 (the team's `escalateTo`). Changes are made as actor `pitstop`.
 * Safe to run at any interval: an alert escalates at most one level per wait, and the guarded transition
 * makes a second run with the same clock a no-op.
 */
export function escalateOverdueAlerts(ctx: PitstopContext): void {
  const now = ctx.clock.now();
  for (const alert of listSnoozeEnded(ctx.db, now)) wakeAlert(ctx, alert.id);
  const escalateAfter = ctx.config.alerting.escalateAfter;
  const cutoff = new Date(now.getTime() - parseDuration(escalateAfter));
  for (const alert of listWaitingSince(ctx.db, cutoff)) {
    const target = nextEscalation(ctx.config, alert.team, alert.escalationLevel);
    if (!target) continue;
    const outcome = applyAlertAction(
      ctx,
      alert.id,
      { kind: 'escalate', level: target.level, reason: `Nobody acknowledged it within ${escalateAfter}.` },
      PITSTOP_ACTOR,
    );
    if (outcome.changed) ctx.log.info({ alert: alert.id, level: target.level }, 'alert escalated by itself');
  }
}
