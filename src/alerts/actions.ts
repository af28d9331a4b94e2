import type { PitstopContext } from '../context.js';
import { mentionActor, slackDate } from '../slack/messages/common.js';
import {
  buildAcknowledgedReply,
  buildEscalatedReply,
  buildResolvedReply,
  buildSnoozedReply,
  buildWokeReply,
} from '../slack/messages/alert.js';
import { enqueueAlertMessage, enqueueAlertReply } from './render.js';
import {
  acknowledge,
  escalate,
  formatAlertId,
  getAlert,
  resolve,
  snooze,
  wake,
  PITSTOP_ACTOR,
  type Alert,
} from './store.js';
import { escalationTargets, noEscalationReason } from './targets.js';

/** A change requested by a person or by Pitstop's escalation job. */
export type AlertAction =
  | { kind: 'acknowledge' }
  /** `level` is the level the request expects to reach; omitted means one above the current level. */
  | { kind: 'escalate'; level?: number; reason?: string }
  | { kind: 'snooze'; durationMs: number; label: string };

/**
 * Longest snooze accepted, 30 days. A maintenance and its long tail fit in it, and a longer snooze would
 * silence the alert for good; the alert resolves by itself once its pods schedule.
 */
export const MAX_SNOOZE_MS = 30 * 86_400_000;

/** The snooze limit as people type durations. */
export const MAX_SNOOZE_LABEL = '30d';

export interface AlertActionOutcome {
  found: boolean;
  changed: boolean;
  /** Reply for the person who made the request, in Slack mrkdwn. */
  text: string;
}

function describeAcknowledged(alert: Alert): string {
  return `${formatAlertId(alert.id)} was already acknowledged by ${mentionActor(alert.acknowledgedBy ?? 'unknown')} at ${slackDate(alert.acknowledgedAt ?? alert.updatedAt)}.`;
}

function applyAcknowledge(ctx: PitstopContext, alert: Alert, actor: string, now: Date): AlertActionOutcome {
  const result = acknowledge(ctx.db, alert.id, actor, now);
  if (!result.changed) return { found: true, changed: false, text: describeAcknowledged(result.alert) };
  enqueueAlertMessage(ctx.db, ctx.config, result.alert, now, ctx.log);
  enqueueAlertReply(ctx.db, result.alert, buildAcknowledgedReply(result.alert), now);
  return { found: true, changed: true, text: `Acknowledged ${formatAlertId(alert.id)}.` };
}

function applyEscalate(
  ctx: PitstopContext,
  alert: Alert,
  request: { level?: number; reason?: string },
  actor: string,
  now: Date,
): AlertActionOutcome {
  const id = formatAlertId(alert.id);
  const level = request.level ?? alert.escalationLevel + 1;
  if (alert.escalationLevel >= level) {
    const by = alert.escalatedBy ? mentionActor(alert.escalatedBy) : 'Pitstop';
    const at = alert.escalatedAt ? ` at ${slackDate(alert.escalatedAt)}` : '';
    return { found: true, changed: false, text: `${id} was already escalated to level ${alert.escalationLevel} by ${by}${at}.` };
  }
  const target = escalationTargets(ctx.config, alert.team).find((candidate) => candidate.level === level);
  if (!target || level !== alert.escalationLevel + 1) {
    return { found: true, changed: false, text: `${id} cannot escalate: ${noEscalationReason(ctx.config, alert.team, alert.escalationLevel)}.` };
  }
  const result = escalate(ctx.db, alert.id, level, actor, now, target.userGroup);
  if (!result.changed) return { found: true, changed: false, text: `${id} changed meanwhile; it is at level ${result.alert.escalationLevel}.` };
  enqueueAlertMessage(ctx.db, ctx.config, result.alert, now, ctx.log);
  enqueueAlertReply(ctx.db, result.alert, buildEscalatedReply(result.alert, target, request.reason ?? null), now);
  return { found: true, changed: true, text: `Escalated ${id} to level ${level} (${target.description}).` };
}

function applySnooze(ctx: PitstopContext, alert: Alert, durationMs: number, actor: string, now: Date): AlertActionOutcome {
  const id = formatAlertId(alert.id);
  // Menu choices come from the config, which sets no upper bound, so the limit is also enforced here.
  if (!Number.isFinite(durationMs) || durationMs > MAX_SNOOZE_MS) {
    return { found: true, changed: false, text: `${id} can be snoozed for at most ${MAX_SNOOZE_LABEL}; acknowledge it instead.` };
  }
  const until = new Date(now.getTime() + durationMs);
  const result = snooze(ctx.db, alert.id, until, actor, now);
  if (!result.changed) {
    return { found: true, changed: false, text: `${id} is already snoozed until ${slackDate(result.alert.snoozedUntil ?? until.toISOString())}.` };
  }
  enqueueAlertMessage(ctx.db, ctx.config, result.alert, now, ctx.log);
  enqueueAlertReply(ctx.db, result.alert, buildSnoozedReply(result.alert), now);
  return { found: true, changed: true, text: `Snoozed ${id} until ${slackDate(until.toISOString())}.` };
}

/**
 * Applies an action to an alert in one transaction: the guarded transition, its timeline entry, the
 * re-rendered message and the thread reply all commit together or not at all. A request that finds the
 * alert already changed is a no-op, and the outcome's text explains it.
 */
export function applyAlertAction(ctx: PitstopContext, alertId: number, action: AlertAction, actor: string): AlertActionOutcome {
  return ctx.db.transaction((): AlertActionOutcome => {
    const now = ctx.clock.now();
    const alert = getAlert(ctx.db, alertId);
    const id = formatAlertId(alertId);
    if (!alert) return { found: false, changed: false, text: `No alert ${id} exists. \`/pitstop pending\` lists the open alerts.` };
    if (alert.state === 'resolved') {
      const at = alert.resolvedAt ? ` at ${slackDate(alert.resolvedAt)}` : '';
      return { found: true, changed: false, text: `${id} is already resolved${at}; nothing to do.` };
    }
    switch (action.kind) {
      case 'acknowledge':
        return applyAcknowledge(ctx, alert, actor, now);
      case 'escalate':
        return applyEscalate(ctx, alert, action, actor, now);
      case 'snooze':
        return applySnooze(ctx, alert, action.durationMs, actor, now);
    }
  }).immediate();
}

/** Ends an alert's snooze if its time has come, and shows it in the message and the thread. */
export function wakeAlert(ctx: PitstopContext, alertId: number): boolean {
  return ctx.db.transaction((): boolean => {
    const now = ctx.clock.now();
    const result = wake(ctx.db, alertId, now);
    if (!result.changed) return false;
    enqueueAlertMessage(ctx.db, ctx.config, result.alert, now, ctx.log);
    enqueueAlertReply(ctx.db, result.alert, buildWokeReply(result.alert), now);
    return true;
  }).immediate();
}

/** Resolves an alert, re-renders its message and posts the reason in the thread. Call inside a transaction. */
export function resolveAlert(ctx: PitstopContext, alert: Alert, reason: string, now: Date): boolean {
  const result = resolve(ctx.db, alert.id, PITSTOP_ACTOR, now, { reason });
  if (!result.changed) return false;
  enqueueAlertMessage(ctx.db, ctx.config, result.alert, now, ctx.log);
  enqueueAlertReply(ctx.db, result.alert, buildResolvedReply(result.alert, reason), now);
  return true;
}
