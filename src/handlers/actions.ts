import type { App, BlockAction, BlockElementAction } from '@slack/bolt';
import { applyAlertAction, type AlertAction, type AlertActionOutcome } from '../alerts/actions.js';
import { formatAlertId } from '../alerts/store.js';
import { parseDuration } from '../config/schema.js';
import type { PitstopContext } from '../context.js';
import type { Db } from '../store/db.js';
import { enqueue } from '../store/outbox.js';
import { ALERT_ACTION_IDS, decodeActionValue } from '../slack/messages/alert.js';

/**
 * How long a handled interaction's key is kept. Slack's last Events API retry comes about 5 minutes after
 * the first delivery; a day leaves room for slow redeliveries.
 */
const INTERACTION_TTL_MS = 86_400_000;

/** Prefix of the interaction keys this module and the command router write and prune. */
export const INTERACTION_PREFIX = 'slack:';

/**
 * Records that an interaction is being handled. Returns false when the same key was recorded before, which
 * means Slack delivered the same payload again. Prunes this module's keys older than a day.
 */
export function claimInteraction(db: Db, key: string, now: Date): boolean {
  const id = `${INTERACTION_PREFIX}${key}`;
  db.prepare("DELETE FROM interactions WHERE id LIKE 'slack:%' AND at < ?").run(new Date(now.getTime() - INTERACTION_TTL_MS).toISOString());
  return db.prepare('INSERT OR IGNORE INTO interactions (id, at) VALUES (?, ?)').run(id, now.toISOString()).changes === 1;
}

/** Every action id the alert handlers register, for the manifest check. */
export const ACTION_IDS: string[] = Object.values(ALERT_ACTION_IDS);

function actionValue(action: BlockElementAction): string | undefined {
  if (action.type === 'button') return action.value;
  if (action.type === 'static_select') return action.selected_option.value;
  if (action.type === 'overflow') return action.selected_option.value;
  return undefined;
}

/** Reads the request an action carries; returns an error text for a value this version did not render. */
export function requestOfAction(actionId: string, argument: string | null): AlertAction | string {
  switch (actionId) {
    case ALERT_ACTION_IDS.acknowledge:
      return { kind: 'acknowledge' };
    case ALERT_ACTION_IDS.escalate: {
      const level = Number(argument);
      return Number.isInteger(level) && level > 0 ? { kind: 'escalate', level } : `invalid escalation level "${argument}"`;
    }
    case ALERT_ACTION_IDS.snooze:
      try {
        return { kind: 'snooze', durationMs: parseDuration(argument ?? ''), label: argument ?? '' };
      } catch (error) {
        return (error as Error).message;
      }
    default:
      return `unknown action "${actionId}"`;
  }
}

function channelOf(body: BlockAction): string | undefined {
  return body.channel?.id ?? (body.container.channel_id as string | undefined);
}

/**
 * Handles one click on an alert message, after Bolt has acknowledged it. A payload seen before (a
 * retried delivery) is dropped. A click that changes nothing (a double click, a stale message) gets an
 * ephemeral reply with the reason. Everything runs in one transaction with the state change.
 */
export function handleAlertClick(ctx: PitstopContext, body: BlockAction, action: BlockElementAction): AlertActionOutcome | null {
  const userId = body.user.id;
  const value = actionValue(action);
  const key = `block_actions:${userId}:${action.action_id}:${action.action_ts}:${value ?? ''}`;
  const channel = channelOf(body);
  return ctx.db.transaction((): AlertActionOutcome | null => {
    const now = ctx.clock.now();
    if (!claimInteraction(ctx.db, key, now)) {
      ctx.log.info({ user: userId, action: action.action_id, actionTs: action.action_ts }, 'dropped a repeated delivery of an alert action');
      return null;
    }
    const decoded = decodeActionValue(value);
    const request = decoded ? requestOfAction(action.action_id, decoded.argument) : `unreadable action value "${value ?? ''}"`;
    const outcome: AlertActionOutcome =
      decoded && typeof request !== 'string'
        ? applyAlertAction(ctx, decoded.alertId, request, userId)
        : { found: decoded !== null, changed: false, text: `That button could not be handled: ${request as string}.` };
    if (!outcome.changed) answerEphemeral(ctx, { key, channel, userId, text: outcome.text, now });
    if (decoded) ctx.log.info({ alert: formatAlertId(decoded.alertId), user: userId, action: action.action_id, changed: outcome.changed }, 'alert action');
    return outcome;
  })();
}

function answerEphemeral(
  ctx: PitstopContext,
  answer: { key: string; channel: string | undefined; userId: string; text: string; now: Date },
): void {
  if (answer.channel === undefined) {
    ctx.log.warn({ user: answer.userId, text: answer.text }, 'cannot send an ephemeral reply to an alert action outside a channel');
    return;
  }
  enqueue(
    ctx.db,
    { kind: 'ephemeral', messageKey: `ephemeral:${answer.key}`, channel: answer.channel, payload: { text: answer.text, options: { user: answer.userId } } },
    answer.now,
  );
}

/**
 * Registers the alert message's buttons and menu. Each listener acknowledges first, within Slack's
 * 3 seconds, then changes state and requests a reconcile.
 */
export function registerActionHandlers(app: App, ctx: PitstopContext): void {
  for (const actionId of ACTION_IDS) {
    app.action<BlockAction>({ type: 'block_actions', action_id: actionId }, async ({ ack, body, action, context }) => {
      // The state change is one SQLite transaction of a few milliseconds, so it runs before the ack: a
      // crash in between leaves the click unacknowledged, and Slack delivers it again.
      if (context.retryNum !== undefined) ctx.log.info({ retryNum: context.retryNum, reason: context.retryReason }, 'Slack retried an action');
      try {
        // A change or an ephemeral reply is now in the outbox; the reconcile also wakes its delivery.
        const outcome = handleAlertClick(ctx, body, action);
        if (outcome) ctx.requestReconcile();
      } catch (error) {
        ctx.log.error({ err: error, action: action.action_id, user: body.user.id }, 'handling an alert action failed');
        const text = `Pitstop could not handle that click: ${(error as Error).message}. Try the slash command \`/pitstop help\`.`;
        const key = `failed:${body.user.id}:${action.action_ts}`;
        answerEphemeral(ctx, { key, channel: channelOf(body), userId: body.user.id, text, now: ctx.clock.now() });
        ctx.requestReconcile();
      } finally {
        await ack();
      }
    });
  }
}
