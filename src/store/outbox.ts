import type { Db } from './db.js';

/**
 * What a message shows, as chat.postMessage and chat.update take it. `text` is required because it is
 * the notification and screen-reader fallback for the blocks.
 */
export interface MessagePayload {
  text: string;
  blocks?: unknown[];
  /** Extra chat.postMessage arguments such as `reply_broadcast`, `unfurl_links`, `metadata`. */
  options?: Record<string, unknown>;
}

/**
 * A Slack side effect, written in the same transaction as the state change that causes it.
 *
 * - `post`: the message `messageKey` should exist in `channel` with this content. The dispatcher posts it
 *   once; if the message was already posted it becomes an edit, so a replayed post never duplicates. Edits
 *   of the message still pending when it is posted are coalesced into the post.
 * - `update`: edit the message `messageKey`; pending edits of one message are coalesced to the newest. If
 *   Slack rejected the message's post for a reason other than its channel, the newest edit is posted instead.
 * - `reply`: post `messageKey` in the thread of the message `threadKey`, once.
 * - `ephemeral`: post to one user (`options.user`), best effort, never retried after the user is gone.
 */
export interface OutboxItem {
  kind: 'post' | 'update' | 'reply' | 'ephemeral';
  messageKey: string;
  channel: string;
  threadKey?: string;
  payload: MessagePayload;
}

/** Appends a side effect to the outbox. Call it inside the transaction that changes the state it reports. */
export function enqueue(db: Db, item: OutboxItem, now: Date): number {
  if (item.kind === 'reply' && item.threadKey === undefined) {
    throw new Error(`outbox reply ${item.messageKey} has no threadKey: name the message whose thread it goes into`);
  }
  const result = db
    .prepare(
      `INSERT INTO outbox (message_key, kind, channel, thread_key, payload, next_attempt_at, created_at)
       VALUES (?, ?, ?, ?, ?, ?, ?)`,
    )
    .run(
      item.messageKey,
      item.kind,
      item.channel,
      item.threadKey ?? null,
      JSON.stringify(item.payload),
      now.toISOString(),
      now.toISOString(),
    );
  return Number(result.lastInsertRowid);
}

/** Records a state change of an alert, maintenance or node, with who made it. */
export function recordTimeline(
  db: Db,
  entry: { subjectType: string; subjectId: string; actor: string; action: string; detail?: unknown },
  now: Date,
): void {
  db.prepare('INSERT INTO timeline (subject_type, subject_id, at, actor, action, detail) VALUES (?, ?, ?, ?, ?, ?)').run(
    entry.subjectType,
    entry.subjectId,
    now.toISOString(),
    entry.actor,
    entry.action,
    entry.detail === undefined ? null : JSON.stringify(entry.detail),
  );
}

export interface TimelineEntry {
  at: string;
  actor: string;
  action: string;
  detail: unknown;
}

export function readTimeline(db: Db, subjectType: string, subjectId: string): TimelineEntry[] {
  return db
    .prepare<[string, string], { at: string; actor: string; action: string; detail: string | null }>(
      'SELECT at, actor, action, detail FROM timeline WHERE subject_type = ? AND subject_id = ? ORDER BY id',
    )
    .all(subjectType, subjectId)
    .map((row) => ({ ...row, detail: row.detail === null ? null : JSON.parse(row.detail) }));
}

/** Returns the Slack message recorded for a key, once the dispatcher has posted it. */
export function postedMessage(db: Db, messageKey: string): { channel: string; ts: string } | undefined {
  const row = db
    .prepare<[string], { channel: string; ts: string | null }>('SELECT channel, ts FROM slack_messages WHERE key = ?')
    .get(messageKey);
  return row?.ts ? { channel: row.channel, ts: row.ts } : undefined;
}

/**
 * Returns the content a posted message shows, as the dispatcher last sent it. Clicks on a message may
 * carry no blocks (legacy attachments, ephemerals), so handlers rebuild cards from this stored copy.
 */
export function shownMessage(db: Db, messageKey: string): MessagePayload | undefined {
  const row = db
    .prepare<[string], { shows: string | null; ts: string | null }>('SELECT shows, ts FROM slack_messages WHERE key = ?')
    .get(messageKey);
  if (!row?.ts || row.shows === null) return undefined;
  return JSON.parse(row.shows) as MessagePayload;
}

/** Returns the message key the dispatcher recorded for the message at this channel and ts. */
export function messageKeyAt(db: Db, channel: string, ts: string): string | undefined {
  const row = db
    .prepare<[string, string], { key: string }>('SELECT key FROM slack_messages WHERE channel = ? AND ts = ?')
    .get(channel, ts);
  return row?.key;
}
