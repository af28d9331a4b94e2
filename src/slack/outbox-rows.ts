import type { Db } from '../store/db.js';
import type { MessagePayload, OutboxItem } from '../store/outbox.js';

export type OutboxState = 'pending' | 'inflight' | 'sent' | 'superseded' | 'dead';

/** An outbox row as the dispatcher reads it. */
export interface OutboxRow {
  id: number;
  kind: OutboxItem['kind'];
  messageKey: string;
  channel: string;
  threadKey: string | null;
  payload: MessagePayload;
  state: OutboxState;
  attempts: number;
  /** True when an earlier attempt may have reached Slack, so a post must look for itself before posting again. */
  uncertain: boolean;
  nextAttemptAt: string;
}

/** A message the dispatcher has posted: where it is and what it shows now. */
export interface PostedRow {
  key: string;
  channel: string;
  ts: string;
  threadTs: string | null;
  contentHash: string | null;
}

interface RawOutboxRow {
  id: number;
  kind: OutboxItem['kind'];
  message_key: string;
  channel: string;
  thread_key: string | null;
  payload: string;
  state: OutboxState;
  attempts: number;
  uncertain: number;
  next_attempt_at: string;
}

function toRow(raw: RawOutboxRow): OutboxRow {
  return {
    id: raw.id,
    kind: raw.kind,
    messageKey: raw.message_key,
    channel: raw.channel,
    threadKey: raw.thread_key,
    payload: JSON.parse(raw.payload) as MessagePayload,
    state: raw.state,
    attempts: raw.attempts,
    uncertain: raw.uncertain === 1,
    nextAttemptAt: raw.next_attempt_at,
  };
}

const COLUMNS = 'id, kind, message_key, channel, thread_key, payload, state, attempts, uncertain, next_attempt_at';

/** The dispatcher's reads and writes of `outbox` and `slack_messages`; every state change is one statement or transaction. */
export class OutboxRows {
  constructor(private readonly db: Db) {}

  /** Pending rows due at `nowIso`, oldest first. */
  due(nowIso: string): OutboxRow[] {
    return this.db
      .prepare<[string], RawOutboxRow>(
        `SELECT ${COLUMNS} FROM outbox WHERE state = 'pending' AND next_attempt_at <= ? ORDER BY id`,
      )
      .all(nowIso)
      .map(toRow);
  }

  inflight(): OutboxRow[] {
    return this.db
      .prepare<[], RawOutboxRow>(`SELECT ${COLUMNS} FROM outbox WHERE state = 'inflight' ORDER BY id`)
      .all()
      .map(toRow);
  }

  /** Pending `post`, `reply` and `update` rows of one message due at `nowIso`, oldest first: the edits to coalesce. */
  pendingEdits(messageKey: string, nowIso: string): OutboxRow[] {
    return this.db
      .prepare<[string, string], RawOutboxRow>(
        `SELECT ${COLUMNS} FROM outbox
         WHERE message_key = ? AND state = 'pending' AND kind IN ('post', 'reply', 'update') AND next_attempt_at <= ?
         ORDER BY id`,
      )
      .all(messageKey, nowIso)
      .map(toRow);
  }

  /** True when a `post` or `reply` of this message is still waiting or in flight. */
  hasOpenPost(messageKey: string): boolean {
    const row = this.db
      .prepare<[string], { found: number }>(
        `SELECT 1 AS found FROM outbox WHERE message_key = ? AND kind IN ('post', 'reply') AND state IN ('pending', 'inflight') LIMIT 1`,
      )
      .get(messageKey);
    return row !== undefined;
  }

  /** Moves a row from pending to inflight; false when something else claimed it first. */
  claim(id: number): boolean {
    return this.db.prepare(`UPDATE outbox SET state = 'inflight' WHERE id = ? AND state = 'pending'`).run(id).changes === 1;
  }

  /** Marks older edits of a message superseded by a newer one and claims the newer one, in one transaction. */
  claimNewest(superseded: number[], newest: number): boolean {
    return this.db.transaction(() => {
      const supersede = this.db.prepare(`UPDATE outbox SET state = 'superseded' WHERE id = ? AND state = 'pending'`);
      for (const id of superseded) supersede.run(id);
      return this.claim(newest);
    })();
  }

  markSent(id: number, nowIso: string): void {
    this.db.prepare(`UPDATE outbox SET state = 'sent', sent_at = ?, last_error = NULL WHERE id = ?`).run(nowIso, id);
  }

  markDead(id: number, error: string): void {
    this.db.prepare(`UPDATE outbox SET state = 'dead', attempts = attempts + 1, last_error = ? WHERE id = ?`).run(error, id);
  }

  /** Returns a row to pending after a failed attempt; `uncertain` is sticky until the row is sent. */
  markRetry(id: number, error: string, uncertain: boolean): void {
    this.db
      .prepare(
        `UPDATE outbox SET state = 'pending', attempts = attempts + 1, last_error = ?, uncertain = MAX(uncertain, ?) WHERE id = ?`,
      )
      .run(error, uncertain ? 1 : 0, id);
  }

  /** Returns an interrupted row to pending; a post or reply becomes uncertain because it may have arrived. */
  resetInflight(id: number, uncertain: boolean): void {
    this.db
      .prepare(`UPDATE outbox SET state = 'pending', uncertain = MAX(uncertain, ?) WHERE id = ? AND state = 'inflight'`)
      .run(uncertain ? 1 : 0, id);
  }

  posted(messageKey: string): PostedRow | undefined {
    const row = this.db
      .prepare<[string], { key: string; channel: string; ts: string | null; thread_ts: string | null; content_hash: string | null }>(
        'SELECT key, channel, ts, thread_ts, content_hash FROM slack_messages WHERE key = ?',
      )
      .get(messageKey);
    if (!row || row.ts === null) return undefined;
    return { key: row.key, channel: row.channel, ts: row.ts, threadTs: row.thread_ts, contentHash: row.content_hash };
  }

  /** Records a posted message and marks its outbox row sent, in one transaction. */
  recordPosted(
    id: number,
    message: { key: string; channel: string; ts: string; threadTs?: string; contentHash: string; shows: MessagePayload },
    nowIso: string,
  ): void {
    this.db.transaction(() => {
      this.db
        .prepare(
          `INSERT INTO slack_messages (key, channel, ts, thread_ts, content_hash, shows, posted_at, updated_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?)
           ON CONFLICT (key) DO UPDATE SET channel = excluded.channel, ts = excluded.ts, thread_ts = excluded.thread_ts,
             content_hash = excluded.content_hash, shows = excluded.shows, posted_at = excluded.posted_at,
             updated_at = excluded.updated_at`,
        )
        .run(message.key, message.channel, message.ts, message.threadTs ?? null, message.contentHash, JSON.stringify(message.shows), nowIso, nowIso);
      this.markSent(id, nowIso);
    })();
  }

  /** Records what an edited message shows and marks its outbox row sent, in one transaction. */
  recordEdited(id: number, key: string, contentHash: string, shows: MessagePayload, nowIso: string): void {
    this.db.transaction(() => {
      this.db
        .prepare('UPDATE slack_messages SET content_hash = ?, shows = ?, updated_at = ? WHERE key = ?')
        .run(contentHash, JSON.stringify(shows), nowIso, key);
      this.markSent(id, nowIso);
    })();
  }
}
