import type { Statement } from 'better-sqlite3';
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
  /** When the row was enqueued, on the context's clock; a post cannot have reached Slack before. */
  createdAt: string;
}

/** A message the dispatcher has posted: where it is and what it shows now. */
export interface PostedRow {
  key: string;
  channel: string;
  ts: string;
  threadTs: string | null;
  contentHash: string | null;
}

interface RawPostedRow {
  key: string;
  channel: string;
  ts: string | null;
  thread_ts: string | null;
  content_hash: string | null;
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
  created_at: string;
}

/** An outbox row whose payload is not a JSON object with a `text` string, so no retry can send it. */
export class InvalidPayloadError extends Error {
  override name = 'InvalidPayloadError';

  constructor(
    readonly id: number,
    readonly messageKey: string,
    reason: string,
  ) {
    super(`outbox row ${id} (${messageKey}) has an invalid payload: ${reason}`);
  }
}

function readPayload(raw: RawOutboxRow): MessagePayload {
  let payload: unknown;
  try {
    payload = JSON.parse(raw.payload);
  } catch (error) {
    throw new InvalidPayloadError(raw.id, raw.message_key, `not JSON (${(error as Error).message})`);
  }
  if (typeof payload !== 'object' || payload === null || typeof (payload as { text?: unknown }).text !== 'string') {
    throw new InvalidPayloadError(raw.id, raw.message_key, 'expected an object with a text string');
  }
  return payload as MessagePayload;
}

function toRow(raw: RawOutboxRow): OutboxRow {
  return {
    id: raw.id,
    kind: raw.kind,
    messageKey: raw.message_key,
    channel: raw.channel,
    threadKey: raw.thread_key,
    payload: readPayload(raw),
    state: raw.state,
    attempts: raw.attempts,
    uncertain: raw.uncertain === 1,
    nextAttemptAt: raw.next_attempt_at,
    createdAt: raw.created_at,
  };
}

const COLUMNS = 'id, kind, message_key, channel, thread_key, payload, state, attempts, uncertain, next_attempt_at, created_at';

/**
 * The lane of an outbox row `o`: ephemerals are not paced, so they do not queue behind a channel's posts.
 * The same expression defines the `outbox_lane` index.
 */
const LANE = `CASE WHEN o.kind = 'ephemeral' THEN 'ephemeral:' || o.channel ELSE o.channel END`;

/** Joins the posted message of row `o` (`self`) and of its thread parent (`parent`). */
const POSTED_JOINS = `
  LEFT JOIN slack_messages self ON self.key = o.message_key AND self.ts IS NOT NULL
  LEFT JOIN slack_messages parent ON parent.key = o.thread_key AND parent.ts IS NOT NULL`;

/** True when row `o` must wait for another message to be posted first. */
const WAITS = `
  (o.kind = 'update' AND self.key IS NULL)
  OR (o.kind = 'reply' AND self.key IS NULL AND o.thread_key IS NOT NULL AND parent.key IS NULL)
  OR (o.kind = 'ephemeral' AND o.thread_key IS NOT NULL AND parent.key IS NULL)`;

/** The oldest deliverable row of a lane, without its payload. */
export interface LaneHead {
  id: number;
  kind: OutboxItem['kind'];
  messageKey: string;
  channel: string;
}

interface RawLaneHead {
  id: number;
  kind: OutboxItem['kind'];
  message_key: string;
  channel: string;
}

/** A row that waits for message `awaited`, which no pending or in-flight post will create. */
export interface StrandedRow {
  id: number;
  kind: OutboxItem['kind'];
  messageKey: string;
  awaited: string;
}

interface RawStrandedRow {
  id: number;
  kind: OutboxItem['kind'];
  message_key: string;
  awaited: string;
}

/** The newest post or reply row of a message: what decides whether the message can still be posted. */
export interface LastPost {
  kind: 'post' | 'reply';
  state: OutboxState;
  threadKey: string | null;
  lastError: string | null;
}

/** Lanes that have pending rows; the expression matches the `outbox_lane` index, so this reads the index only. */
const LANES_SQL = `
  SELECT DISTINCT CASE WHEN kind = 'ephemeral' THEN 'ephemeral:' || channel ELSE channel END AS lane
  FROM outbox WHERE state = 'pending'`;

/**
 * A lane's first deliverable row. INDEXED BY keeps SQLite on the lane index, which it walks in id order up
 * to the first match. Left alone, the planner picks `outbox_pending` and sorts every due row.
 */
const LANE_HEAD_SQL = `
  SELECT o.id, o.kind, o.message_key, o.channel FROM outbox o INDEXED BY outbox_lane ${POSTED_JOINS}
  WHERE o.state = 'pending' AND ${LANE} = ? AND o.next_attempt_at <= ? AND NOT (${WAITS})
  ORDER BY o.id
  LIMIT 1`;

const STRANDED_SQL = `
  SELECT id, kind, message_key, awaited FROM (
    SELECT o.id, o.kind, o.message_key,
           CASE WHEN o.kind = 'update' THEN o.message_key ELSE o.thread_key END AS awaited
    FROM outbox o ${POSTED_JOINS}
    WHERE o.state = 'pending' AND o.next_attempt_at <= ? AND (${WAITS})
  ) AS waiting
  WHERE NOT EXISTS (
    SELECT 1 FROM outbox post
    WHERE post.message_key = waiting.awaited AND post.kind IN ('post', 'reply') AND post.state IN ('pending', 'inflight')
  )
  ORDER BY id`;

const PENDING_EDITS_SQL = `
  SELECT ${COLUMNS} FROM outbox
  WHERE message_key = ? AND state = 'pending' AND kind IN ('post', 'reply', 'update') AND next_attempt_at <= ?
  ORDER BY id`;

const RECORD_POSTED_SQL = `
  INSERT INTO slack_messages (key, channel, ts, thread_ts, content_hash, shows, posted_at, updated_at)
  VALUES (?, ?, ?, ?, ?, ?, ?, ?)
  ON CONFLICT (key) DO UPDATE SET
    channel = excluded.channel, ts = excluded.ts, thread_ts = excluded.thread_ts, content_hash = excluded.content_hash,
    shows = excluded.shows, posted_at = excluded.posted_at, updated_at = excluded.updated_at`;

/** The dispatcher's reads and writes of `outbox` and `slack_messages`; every state change is one statement or transaction. */
export class OutboxRows {
  private readonly statements = new Map<string, Statement>();

  constructor(private readonly db: Db) {}

  /** Returns the lanes (a channel, or a channel's ephemerals) that have pending rows. */
  lanes(): string[] {
    return this.statement<[], { lane: string }>(LANES_SQL).all().map((row) => row.lane);
  }

  /**
   * Returns a lane's oldest pending row due at `nowIso` that does not wait for another message: an update
   * waits for its message's post, a reply or threaded ephemeral for its parent's. The payload is not read.
   */
  laneHead(lane: string, nowIso: string): LaneHead | undefined {
    const raw = this.statement<[string, string], RawLaneHead>(LANE_HEAD_SQL).get(lane, nowIso);
    return raw ? { id: raw.id, kind: raw.kind, messageKey: raw.message_key, channel: raw.channel } : undefined;
  }

  /** Returns due rows that wait for a message which has no post pending or in flight, so nothing will post it. */
  stranded(nowIso: string): StrandedRow[] {
    const raws = this.statement<[string], RawStrandedRow>(STRANDED_SQL).all(nowIso);
    return raws.map((raw) => ({ id: raw.id, kind: raw.kind, messageKey: raw.message_key, awaited: raw.awaited }));
  }

  /** Returns the newest post or reply row of a message, in any state. */
  lastPost(messageKey: string): LastPost | undefined {
    const sql = `SELECT kind, state, thread_key, last_error FROM outbox
                 WHERE message_key = ? AND kind IN ('post', 'reply') ORDER BY id DESC LIMIT 1`;
    const raw = this.statement<[string], { kind: 'post' | 'reply'; state: OutboxState; thread_key: string | null; last_error: string | null }>(
      sql,
    ).get(messageKey);
    return raw ? { kind: raw.kind, state: raw.state, threadKey: raw.thread_key, lastError: raw.last_error } : undefined;
  }

  /**
   * Turns a pending update into the post (or reply, with its thread) of a message whose post is dead, and
   * supersedes older pending updates, in one transaction.
   */
  reviveAsPost(id: number, superseded: number[], post: { kind: 'post' | 'reply'; threadKey: string | null }): void {
    const revive = this.statement(`UPDATE outbox SET kind = ?, thread_key = ? WHERE id = ? AND state = 'pending' AND kind = 'update'`);
    const supersede = this.statement(`UPDATE outbox SET state = 'superseded' WHERE id = ? AND state = 'pending'`);
    this.db.transaction(() => {
      for (const older of superseded) supersede.run(older);
      revive.run(post.kind, post.threadKey, id);
    })();
  }

  /**
   * Forgets the Slack message of `messageKey`, which Slack no longer has, and turns row `id` back into a
   * pending post (or reply, with its thread) of it, in one transaction.
   */
  repost(id: number, messageKey: string, post: { kind: 'post' | 'reply'; threadKey: string | null }): void {
    const forget = this.statement('UPDATE slack_messages SET ts = NULL, thread_ts = NULL, content_hash = NULL WHERE key = ?');
    const reset = this.statement(`UPDATE outbox SET kind = ?, thread_key = ?, state = 'pending', uncertain = 0 WHERE id = ?`);
    this.db.transaction(() => {
      forget.run(messageKey);
      reset.run(post.kind, post.threadKey, id);
    })();
  }

  get(id: number): OutboxRow | undefined {
    const raw = this.statement<[number], RawOutboxRow>(`SELECT ${COLUMNS} FROM outbox WHERE id = ?`).get(id);
    return raw ? toRow(raw) : undefined;
  }

  inflight(): OutboxRow[] {
    const sql = `SELECT ${COLUMNS} FROM outbox WHERE state = 'inflight' ORDER BY id`;
    return this.statement<[], RawOutboxRow>(sql).all().map(toRow);
  }

  /**
   * Returns the pending `post`, `reply` and `update` rows of one message due at `nowIso`, oldest first: the
   * edits to coalesce. Rows with an invalid payload are marked dead and passed to `onInvalid` instead.
   */
  pendingEdits(messageKey: string, nowIso: string, onInvalid?: (error: InvalidPayloadError) => void): OutboxRow[] {
    const edits: OutboxRow[] = [];
    for (const raw of this.statement<[string, string], RawOutboxRow>(PENDING_EDITS_SQL).all(messageKey, nowIso)) {
      try {
        edits.push(toRow(raw));
      } catch (error) {
        // A row no retry can send must not hold up the valid edits of its message.
        if (!(error instanceof InvalidPayloadError)) throw error;
        this.markDead(raw.id, error.message);
        onInvalid?.(error);
      }
    }
    return edits;
  }

  /** Moves a row from pending to inflight; false when something else claimed it first. */
  claim(id: number): boolean {
    const sql = `UPDATE outbox SET state = 'inflight' WHERE id = ? AND state = 'pending'`;
    return this.statement(sql).run(id).changes === 1;
  }

  /**
   * Marks older edits of a message superseded by a newer one and claims the newer one, in one transaction.
   * With `payload`, the claimed row's payload becomes it, so a retry or a restart sends what this attempt sends.
   */
  claimNewest(superseded: number[], newest: number, payload?: MessagePayload): boolean {
    const supersede = this.statement(`UPDATE outbox SET state = 'superseded' WHERE id = ? AND state = 'pending'`);
    const replace = this.statement(`UPDATE outbox SET payload = ? WHERE id = ?`);
    return this.db.transaction(() => {
      if (!this.claim(newest)) return false;
      for (const id of superseded) supersede.run(id);
      if (payload !== undefined) replace.run(JSON.stringify(payload), newest);
      return true;
    })();
  }

  markSent(id: number, nowIso: string): void {
    this.statement(`UPDATE outbox SET state = 'sent', sent_at = ?, last_error = NULL WHERE id = ?`).run(nowIso, id);
  }

  markDead(id: number, error: string): void {
    this.statement(`UPDATE outbox SET state = 'dead', attempts = attempts + 1, last_error = ? WHERE id = ?`).run(error, id);
  }

  /** Returns a row to pending after a failed attempt; `uncertain` is sticky until the row is sent. */
  markRetry(id: number, error: string, uncertain: boolean): void {
    const sql = `UPDATE outbox SET state = 'pending', attempts = attempts + 1, last_error = ?, uncertain = MAX(uncertain, ?)
                 WHERE id = ?`;
    this.statement(sql).run(error, uncertain ? 1 : 0, id);
  }

  /** Returns an interrupted row to pending; a post or reply becomes uncertain because it may have arrived. */
  resetInflight(id: number, uncertain: boolean): void {
    const sql = `UPDATE outbox SET state = 'pending', uncertain = MAX(uncertain, ?) WHERE id = ? AND state = 'inflight'`;
    this.statement(sql).run(uncertain ? 1 : 0, id);
  }

  posted(messageKey: string): PostedRow | undefined {
    const sql = 'SELECT key, channel, ts, thread_ts, content_hash FROM slack_messages WHERE key = ?';
    const row = this.statement<[string], RawPostedRow>(sql).get(messageKey);
    if (!row || row.ts === null) return undefined;
    return { key: row.key, channel: row.channel, ts: row.ts, threadTs: row.thread_ts, contentHash: row.content_hash };
  }

  /** Records a posted message and marks its outbox row sent, in one transaction. */
  recordPosted(
    id: number,
    message: { key: string; channel: string; ts: string; threadTs?: string; contentHash: string; shows: MessagePayload },
    nowIso: string,
  ): void {
    const insert = this.statement(RECORD_POSTED_SQL);
    this.db.transaction(() => {
      const shows = JSON.stringify(message.shows);
      insert.run(message.key, message.channel, message.ts, message.threadTs ?? null, message.contentHash, shows, nowIso, nowIso);
      this.markSent(id, nowIso);
    })();
  }

  /** Records what an edited message shows and marks its outbox row sent, in one transaction. */
  recordEdited(id: number, key: string, contentHash: string, shows: MessagePayload, nowIso: string): void {
    const update = this.statement('UPDATE slack_messages SET content_hash = ?, shows = ?, updated_at = ? WHERE key = ?');
    this.db.transaction(() => {
      update.run(contentHash, JSON.stringify(shows), nowIso, key);
      this.markSent(id, nowIso);
    })();
  }

  /** Prepares each SQL text once, because the dispatcher runs the same few statements for every row. */
  private statement<P extends unknown[] = unknown[], R = unknown>(sql: string): Statement<P, R> {
    let prepared = this.statements.get(sql);
    if (!prepared) {
      prepared = this.db.prepare(sql);
      this.statements.set(sql, prepared);
    }
    return prepared as unknown as Statement<P, R>;
  }
}
