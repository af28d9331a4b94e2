import type { Logger } from '../log.js';
import { CallFailure, type DispatcherStats, UndeliverableRow } from './deliver.js';
import { InvalidPayloadError, type OutboxRow, type OutboxRows } from './outbox-rows.js';
import type { RetryTiming } from './retry-timing.js';
import { classifySlackError } from './slack-errors.js';

export interface DeliveryFailuresDeps {
  rows: OutboxRows;
  stats: DispatcherStats;
  timing: RetryTiming;
  log: Logger;
  /** Attempts an ephemeral gets before it is marked dead. */
  ephemeralAttempts: number;
  /** Called after a row is marked dead, because rows waiting for it may then be settled. */
  onDead(): void;
}

/**
 * Records what a failed delivery means for its row: a retry after a backoff or Retry-After, a pause of
 * every lane after a rejected token, or a dead row, each logged.
 */
export class DeliveryFailures {
  constructor(private readonly deps: DeliveryFailuresDeps) {}

  /** Marks a row with an invalid payload dead; after a read error, waits before the row is read again. */
  settleUnreadable(id: number, error: unknown): void {
    try {
      if (error instanceof InvalidPayloadError) {
        this.deps.rows.markDead(id, error.message);
        this.deps.stats.dead += 1;
        this.deps.onDead();
        this.deps.log.error({ outboxId: id, messageKey: error.messageKey, error: error.message }, `${error.message}; marked dead`);
        return;
      }
    } catch (recordError) {
      this.deps.log.error({ err: recordError, outboxId: id }, 'could not mark an unreadable outbox row dead');
    }
    const delay = this.deps.timing.backoff(1);
    this.deps.timing.retryAfter(id, performance.now() + delay);
    this.deps.log.error({ err: error, outboxId: id, retryInMs: Math.round(delay) }, 'reading an outbox row failed; trying again later');
  }

  /**
   * Settles a failed delivery of `row` in `lane`: a Web API failure, a row no retry can send, or a database
   * error or bug, which returns the row to pending.
   */
  settle(lane: { blockedUntil: number }, row: OutboxRow, error: unknown): void {
    try {
      if (error instanceof CallFailure) this.handleFailure(lane, error);
      else if (error instanceof UndeliverableRow) this.markDead(error.row, error.message);
      else this.handleInternalError(row, error);
    } catch (recordError) {
      this.deps.log.error(
        { err: recordError, cause: error, outboxId: row.id, messageKey: row.messageKey },
        'could not record a failed delivery; the next start resumes the row',
      );
    }
  }

  private handleFailure(lane: { blockedUntil: number }, callFailure: CallFailure): void {
    const { row, method } = callFailure;
    const failure = classifySlackError(callFailure.cause);
    const attempt = row.attempts + 1;
    const ephemeralAttempts = this.deps.ephemeralAttempts;
    if (!failure.retryable || (row.kind === 'ephemeral' && attempt >= ephemeralAttempts)) {
      this.markDead(row, failure.description);
      return;
    }
    if (failure.pausesDelivery) {
      this.pauseDelivery(row, failure.description);
      return;
    }
    const now = performance.now();
    const delay = failure.retryAfterMs ?? this.deps.timing.backoff(attempt);
    if (failure.retryAfterMs !== undefined) {
      lane.blockedUntil = now + failure.retryAfterMs;
      // Only chat.postMessage is limited per channel; Slack limits the other methods per workspace.
      if (method !== 'chat.postMessage') this.deps.timing.blockMethod(method, now + failure.retryAfterMs);
    }
    this.deps.timing.retryAfter(row.id, now + delay);
    this.deps.rows.markRetry(row.id, failure.description, failure.uncertain && (row.kind === 'post' || row.kind === 'reply'));
    this.deps.stats.retried += 1;
    const fields = { outboxId: row.id, messageKey: row.messageKey, channel: row.channel, kind: row.kind, method, attempt, retryInMs: Math.round(delay), error: failure.description };
    if (failure.retryAfterMs === undefined) {
      this.deps.log.warn(fields, `Slack call for ${row.kind} ${row.messageKey} failed; retrying`);
      return;
    }
    // Rate limits are expected under load: one line per row at debug, and a count at most once a minute.
    this.deps.log.debug(fields, `Slack rate-limited ${row.kind} ${row.messageKey}; retrying after Retry-After`);
    const count = this.deps.timing.countRateLimited(now);
    if (count === undefined) return;
    this.deps.log.warn(
      { rateLimited: count, channel: row.channel, retryInMs: Math.round(delay) },
      `Slack rate-limited ${count} call(s) since the last such line; each waits for its Retry-After`,
    );
  }

  /**
   * Returns the row to pending and pauses every lane, because a rejected token fails every call alike. The
   * pause grows like a row's backoff and ends at the first call that succeeds. Logged once per pause.
   */
  private pauseDelivery(row: OutboxRow, reason: string): void {
    this.deps.rows.markRetry(row.id, reason, false);
    this.deps.stats.retried += 1;
    const pause = this.deps.timing.pause(performance.now());
    if (!pause) return;
    this.deps.log.error(
      { outboxId: row.id, messageKey: row.messageKey, channel: row.channel, pauses: pause.pauses, retryInMs: Math.round(pause.delayMs), error: reason },
      `Slack rejected the bot token (${reason}); delivery to every channel is paused and tried again in ` +
        `${Math.ceil(pause.delayMs / 1000)} s. No row is dropped. Replace SLACK_BOT_TOKEN or reinstall the Slack app`,
    );
  }

  /** Returns a row to pending after a database error or a bug (a post as uncertain), so a later attempt can finish it. */
  private handleInternalError(row: OutboxRow, error: unknown): void {
    this.deps.log.error({ err: error, outboxId: row.id, messageKey: row.messageKey, kind: row.kind }, 'delivering an outbox row failed');
    try {
      this.deps.rows.resetInflight(row.id, row.kind === 'post' || row.kind === 'reply');
      this.deps.timing.retryAfter(row.id, performance.now() + this.deps.timing.backoff(row.attempts + 1));
    } catch (resetError) {
      this.deps.log.error({ err: resetError, outboxId: row.id }, 'could not return the row to pending; the next start resumes it');
    }
  }

  markDead(row: OutboxRow, reason: string): void {
    this.deps.rows.markDead(row.id, reason);
    this.deps.onDead();
    this.deps.timing.forget(row.id);
    this.deps.stats.dead += 1;
    this.deps.log.error(
      { outboxId: row.id, messageKey: row.messageKey, channel: row.channel, kind: row.kind, error: reason },
      `outbox ${row.kind} ${row.messageKey} is dead: ${reason}`,
    );
  }
}
