import type { Logger } from '../log.js';
import type { Db } from './db.js';
import { enqueue, type MessagePayload } from './outbox.js';

/**
 * Time on the context's clock between two posts of a message whose post the dispatcher marked dead. Slack
 * rejects such a post for good (channel_not_found, not_in_channel), so only an operator's change such as
 * an invite can make the next one succeed. Each retry that fails costs one call and one error line.
 */
export const DEAD_POST_RETRY_MS = 15 * 60_000;

/** Reason a dead post is enqueued again now. */
export type DeadPostRetryReason = 'restart' | 'interval' | 'thread posted';

/** The dead post or reply of a message that Slack never showed, with no row of it pending or in flight. */
export interface DeadPost {
  outboxId: number;
  kind: 'post' | 'reply';
  threadKey: string | null;
  /** The Slack error or reason the dispatcher recorded when it marked the row dead. */
  error: string | null;
  /** When the dead row was enqueued, on the context's clock. */
  createdAt: string;
  /** True when an attempt of the dead row may have reached Slack, so the retry looks for it first. */
  uncertain: boolean;
  /** Undefined while no retry is due. */
  retryReason: DeadPostRetryReason | undefined;
}

/** Newest outbox id per store handle when the handle was first checked. Rows up to it were enqueued by an earlier run. */
const startIds = new WeakMap<Db, number>();

function processStartId(db: Db): number {
  let id = startIds.get(db);
  if (id === undefined) {
    id = db.prepare<[], { id: number }>('SELECT COALESCE(MAX(id), 0) AS id FROM outbox').get()?.id ?? 0;
    startIds.set(db, id);
  }
  return id;
}

interface RawLastPost {
  id: number;
  kind: 'post' | 'reply';
  state: string;
  thread_key: string | null;
  last_error: string | null;
  created_at: string;
  uncertain: number;
}

function lastPost(db: Db, messageKey: string): RawLastPost | undefined {
  return db
    .prepare<[string], RawLastPost>(
      `SELECT id, kind, state, thread_key, last_error, created_at, uncertain FROM outbox
       WHERE message_key = ? AND kind IN ('post', 'reply') ORDER BY id DESC LIMIT 1`,
    )
    .get(messageKey);
}

/** Returns when the dispatcher posted the message, or undefined when Slack has no copy of it. */
function postedAt(db: Db, messageKey: string): string | undefined {
  const row = db
    .prepare<[string], { posted_at: string | null }>('SELECT posted_at FROM slack_messages WHERE key = ? AND ts IS NOT NULL')
    .get(messageKey);
  return row === undefined ? undefined : (row.posted_at ?? '');
}

function hasLiveRows(db: Db, messageKey: string, kinds: string): boolean {
  const row = db
    .prepare<[string], { n: number }>(
      `SELECT COUNT(*) AS n FROM outbox WHERE message_key = ? AND state IN ('pending', 'inflight') AND kind IN (${kinds})`,
    )
    .get(messageKey);
  return (row?.n ?? 0) > 0;
}

/**
 * Decides whether a dead post is due again. A run retries each dead post left by an earlier run right away,
 * and only once, because a restart usually follows a config fix. Otherwise a retry waits {@link DEAD_POST_RETRY_MS} after
 * the dead row was enqueued. A reply waits while its thread is dead too. It is retried at once when the
 * thread was posted after the reply's row was enqueued, since the reply most likely died for want of it.
 */
function retryReason(db: Db, row: RawLastPost, now: Date): DeadPostRetryReason | undefined {
  if (row.kind === 'reply' && row.thread_key !== null) {
    const threadPostedAt = postedAt(db, row.thread_key);
    if (threadPostedAt === undefined) {
      return hasLiveRows(db, row.thread_key, `'post', 'reply'`) ? reasonByTime(db, row, now) : undefined;
    }
    if (threadPostedAt > row.created_at) return 'thread posted';
  }
  return reasonByTime(db, row, now);
}

function reasonByTime(db: Db, row: RawLastPost, now: Date): DeadPostRetryReason | undefined {
  if (row.id <= processStartId(db)) return 'restart';
  if (now.getTime() - Date.parse(row.created_at) >= DEAD_POST_RETRY_MS) return 'interval';
  return undefined;
}

/**
 * Returns the dead post of `messageKey` when the message's newest post or reply row is dead, Slack has no
 * copy of it (no `ts` in `slack_messages`) and no row of it is pending or in flight. Returns undefined for
 * a message that is posted, on its way, or never enqueued. Call it before enqueuing anything for the key.
 */
export function findDeadPost(db: Db, messageKey: string, now: Date): DeadPost | undefined {
  processStartId(db);
  const row = lastPost(db, messageKey);
  if (row === undefined || row.state !== 'dead') return undefined;
  if (postedAt(db, messageKey) !== undefined) return undefined;
  if (hasLiveRows(db, messageKey, `'post', 'reply', 'update'`)) return undefined;
  return {
    outboxId: row.id,
    kind: row.kind,
    threadKey: row.thread_key,
    error: row.last_error,
    createdAt: row.created_at,
    uncertain: row.uncertain === 1,
    retryReason: retryReason(db, row, now),
  };
}

/**
 * Enqueues a dead message again as the post or reply its dead row was, showing `payload`, and logs the
 * retry. Call it inside the transaction that stores the render it enqueues. Returns the new outbox id.
 */
export function repostDeadPost(
  db: Db,
  log: Logger,
  dead: DeadPost,
  message: { messageKey: string; channel: string; payload: MessagePayload },
  now: Date,
): number {
  const id = enqueue(
    db,
    {
      kind: dead.kind,
      messageKey: message.messageKey,
      channel: message.channel,
      ...(dead.kind === 'reply' && dead.threadKey !== null ? { threadKey: dead.threadKey } : {}),
      payload: message.payload,
    },
    now,
  );
  if (dead.uncertain) db.prepare('UPDATE outbox SET uncertain = 1 WHERE id = ?').run(id);
  log.warn(
    {
      messageKey: message.messageKey,
      channel: message.channel,
      outboxId: id,
      deadOutboxId: dead.outboxId,
      deadError: dead.error,
      reason: dead.retryReason,
    },
    `posting ${message.messageKey} again (${dead.retryReason ?? 'requested'}): its last ${dead.kind} was dead ` +
      `(${dead.error ?? 'unknown error'}) and Slack never showed it`,
  );
  return id;
}
