import { createHash } from 'node:crypto';
import type { PitstopConfig } from '../config/schema.js';
import type { Logger } from '../log.js';
import { findDeadPost, repostDeadPost } from '../store/dead-posts.js';
import type { Db } from '../store/db.js';
import { enqueue, postedMessage, type MessagePayload } from '../store/outbox.js';
import { checkMessageLimits, escapeMrkdwn, truncate } from '../slack/messages/common.js';
import { buildAlertMessage } from '../slack/messages/alert.js';
import { formatAlertId, nextReplySeq, setAlertChannel, setRenderedHash, type Alert } from './store.js';
import { escalationTargets, nextEscalation, noEscalationReason } from './targets.js';

/** Outbox message key of an alert's channel message. */
export function alertMessageKey(alertId: number): string {
  return `alert:${alertId}`;
}

export interface RenderedAlert {
  payload: MessagePayload;
  hash: string;
  /** Limit violations of the full message; when any, `payload` is the plain-text fallback instead. */
  problems: string[];
}

function hashPayload(payload: MessagePayload): string {
  return createHash('sha256').update(JSON.stringify(payload)).digest('hex');
}

/**
 * Renders an alert's message from its stored state. The builder keeps every limit by construction. If a
 * future change breaks one anyway, the alert still goes out as plain text instead of being rejected.
 */
export function renderAlert(config: PitstopConfig, alert: Alert): RenderedAlert {
  const unpaged = escalationTargets(config, alert.team).length === 0;
  const full = buildAlertMessage({
    alert,
    nextEscalation: nextEscalation(config, alert.team, alert.escalationLevel),
    snoozeChoices: config.alerting.snoozeChoices,
    ...(unpaged ? { noEscalation: noEscalationReason(config, alert.team, alert.escalationLevel) } : {}),
  });
  const problems = checkMessageLimits(full);
  const payload: MessagePayload =
    problems.length === 0
      ? full
      : { text: truncate(`${full.text}\n(${formatAlertId(alert.id)} is shown as text: ${escapeMrkdwn(problems[0]!)})`, 3000) };
  return { payload, hash: hashPayload(payload), problems };
}

/**
 * Enqueues the alert's channel message when its render differs from the last one enqueued, and stores the
 * new hash. While the message's post is dead and Slack never showed it, a changed render waits like an
 * unchanged one, and the current render is posted again once a retry is due (see {@link findDeadPost}).
 * An alert whose cluster moved to another channel in the config is posted there. Returns whether anything
 * was enqueued. Call inside the transaction that changed the alert.
 */
export function enqueueAlertMessage(
  db: Db,
  config: PitstopConfig,
  alert: Alert,
  now: Date,
  log: Logger,
): RenderedAlert & { enqueued: boolean } {
  const rendered = renderAlert(config, alert);
  const key = alertMessageKey(alert.id);
  const dead = findDeadPost(db, key, now);
  if (dead !== undefined) {
    if (dead.retryReason === undefined) return { ...rendered, enqueued: false };
    moveToConfiguredChannel(db, config, alert);
    repostDeadPost(db, log, dead, { messageKey: key, channel: alert.channel, payload: rendered.payload }, now);
  } else {
    if (rendered.hash === alert.renderedHash) return { ...rendered, enqueued: false };
    // A message not yet posted gets a `post`, which the dispatcher turns into an edit if it was posted meanwhile.
    const kind = postedMessage(db, key) ? 'update' : 'post';
    enqueue(db, { kind, messageKey: key, channel: alert.channel, payload: rendered.payload }, now);
  }
  setRenderedHash(db, alert.id, rendered.hash);
  alert.renderedHash = rendered.hash;
  return { ...rendered, enqueued: true };
}

/** Points a never-posted alert at its cluster's channel in the config, which may have been corrected since. */
function moveToConfiguredChannel(db: Db, config: PitstopConfig, alert: Alert): void {
  const channel = config.clusters.find((cluster) => cluster.name === alert.cluster)?.channel;
  if (channel === undefined || channel === alert.channel) return;
  setAlertChannel(db, alert.id, channel);
  alert.channel = channel;
}

/** Enqueues a reply in the alert's thread under a fresh key. Call inside the transaction that changed the alert. */
export function enqueueAlertReply(db: Db, alert: Alert, payload: MessagePayload, now: Date): void {
  const seq = nextReplySeq(db, alert.id);
  alert.replySeq = seq;
  enqueue(
    db,
    {
      kind: 'reply',
      messageKey: `${alertMessageKey(alert.id)}:reply:${seq}`,
      threadKey: alertMessageKey(alert.id),
      channel: alert.channel,
      payload,
    },
    now,
  );
}
