import type { WebClient } from '@slack/web-api';
import type { Clock } from '../clock.js';
import type { Logger } from '../log.js';
import type { MessagePayload } from '../store/outbox.js';
import { contentHash } from './content-hash.js';
import { findPostedByKey, lookupOldest, messageMetadata } from './message-metadata.js';
import type { InvalidPayloadError, OutboxRow, OutboxRows, PostedRow } from './outbox-rows.js';
import { classifySlackError } from './slack-errors.js';
import { contentRejection, textFallback } from './text-fallback.js';

/** Counts of what a dispatcher did since it was created. */
export interface DispatcherStats {
  /** Messages and thread replies posted. */
  posted: number;
  /** chat.update calls that changed a message. */
  updated: number;
  /** Pending edits dropped because a newer edit of the same message replaced them. */
  coalesced: number;
  /** Edits skipped because the message already showed that content. */
  unchanged: number;
  /** Posts whose earlier attempt was found in Slack by its metadata, so they were not posted again. */
  recovered: number;
  ephemeral: number;
  retried: number;
  dead: number;
  /** Posts and edits Slack rejected for their blocks or length, delivered as their text alone. */
  shownAsText: number;
}

/** Returns statistics with every count at zero. */
export function emptyStats(): DispatcherStats {
  return { posted: 0, updated: 0, coalesced: 0, unchanged: 0, recovered: 0, ephemeral: 0, retried: 0, dead: 0, shownAsText: 0 };
}

/** A Web API call of an outbox row failed; `row` is the row that made it (after coalescing). */
export class CallFailure extends Error {
  constructor(
    readonly row: OutboxRow,
    override readonly cause: unknown,
    /** The Web API method that failed, such as `chat.update`. */
    readonly method: string,
  ) {
    super(`Slack call ${method} for ${row.kind} ${row.messageKey} failed`);
    this.name = 'CallFailure';
  }
}

/** A row that cannot be delivered whatever is retried, such as an ephemeral without a user. */
export class UndeliverableRow extends Error {
  constructor(
    readonly row: OutboxRow,
    message: string,
  ) {
    super(message);
    this.name = 'UndeliverableRow';
  }
}

export interface DeliveryContext {
  client: WebClient;
  rows: OutboxRows;
  clock: Clock;
  log: Logger;
  stats: DispatcherStats;
  /** The row this delivery moved to inflight, once it has. */
  claimed: OutboxRow | undefined;
  /** Called right before chat.postMessage or chat.update, so the channel's pacing counts from there. */
  paced(): void;
}

/** chat.postMessage arguments the payload's `options` may not override. */
const RESERVED = new Set(['channel', 'ts', 'text', 'blocks', 'thread_ts', 'metadata', 'user']);
/** chat.update takes these of a post's options; the rest (unfurls, reply_broadcast, author) apply to posts only. */
const UPDATE_OPTIONS = new Set(['attachments', 'link_names', 'parse', 'file_ids']);

async function call<T>(row: OutboxRow, method: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    throw new CallFailure(row, error, method);
  }
}

/**
 * Sends `payload`; when Slack rejects it for its blocks or length, logs that and sends it again as text.
 * Returns the call's result and the payload the message shows.
 */
async function sendWithFallback<T>(
  row: OutboxRow,
  payload: MessagePayload,
  ctx: DeliveryContext,
  method: string,
  send: (payload: MessagePayload) => Promise<T>,
): Promise<{ result: T; shows: MessagePayload }> {
  try {
    return { result: await send(payload), shows: payload };
  } catch (error) {
    const rejection = contentRejection(error);
    if (!rejection) throw new CallFailure(row, error, method);
    ctx.log.error(
      { outboxId: row.id, messageKey: row.messageKey, channel: row.channel, kind: row.kind, error: rejection.description },
      `Slack rejected ${row.kind} ${row.messageKey} (${rejection.description}); sending its text alone`,
    );
    const fallback = textFallback(payload, rejection.name);
    ctx.paced();
    const result = await call(row, method, () => send(fallback));
    ctx.stats.shownAsText += 1;
    return { result, shows: fallback };
  }
}

function noteInvalid(error: InvalidPayloadError, ctx: DeliveryContext): void {
  ctx.stats.dead += 1;
  ctx.log.error({ outboxId: error.id, messageKey: error.messageKey, error: error.message }, `${error.message}; marked dead`);
}

function shown(payload: MessagePayload): MessagePayload {
  return payload.blocks === undefined ? { text: payload.text } : { text: payload.text, blocks: payload.blocks };
}

function options(payload: MessagePayload, allowed?: Set<string>): Record<string, unknown> {
  const picked: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(payload.options ?? {})) {
    if (RESERVED.has(name) || (allowed && !allowed.has(name))) continue;
    picked[name] = value;
  }
  return picked;
}

/**
 * Delivers one due outbox row. Throws {@link CallFailure} when a Web API call fails and
 * {@link UndeliverableRow} for a row no retry can fix; database errors propagate unchanged.
 */
export async function deliver(row: OutboxRow, ctx: DeliveryContext): Promise<void> {
  if (row.kind === 'ephemeral') return deliverEphemeral(row, ctx);
  const posted = ctx.rows.posted(row.messageKey);
  if (posted) return deliverEdit(row, posted, ctx);
  if (row.kind === 'update') throw new Error(`update ${row.messageKey} was selected before its message was posted`);
  return deliverPost(row, ctx);
}

function parentOf(row: OutboxRow, ctx: DeliveryContext): PostedRow | undefined {
  if (row.threadKey === null) return undefined;
  const parent = ctx.rows.posted(row.threadKey);
  if (!parent) throw new Error(`${row.kind} ${row.messageKey} was selected before its parent ${row.threadKey} was posted`);
  return parent;
}

/**
 * Posts a message or thread reply once, showing the newest of its pending edits, which it supersedes. An
 * uncertain earlier attempt is first looked for by its metadata.
 */
async function deliverPost(row: OutboxRow, ctx: DeliveryContext): Promise<void> {
  const parent = row.kind === 'reply' ? parentOf(row, ctx) : undefined;
  // An uncertain post may already show its first content in Slack, so its edits are sent as edits.
  const pending = row.uncertain ? [] : ctx.rows.pendingEdits(row.messageKey, ctx.clock.now().toISOString(), (error) => noteInvalid(error, ctx));
  const edits = pending.filter((edit) => edit.id > row.id);
  // The post shows the newest edit; the options of the post (reply_broadcast, unfurls) apply unless it overrides them.
  const newest = edits.at(-1);
  const payload = newest ? { ...newest.payload, options: { ...row.payload.options, ...newest.payload.options } } : row.payload;
  if (!ctx.rows.claimNewest(edits.map((edit) => edit.id), row.id, newest ? payload : undefined)) return;
  ctx.claimed = { ...row, payload };
  ctx.stats.coalesced += edits.length;

  const channel = parent?.channel ?? row.channel;
  const record = (ts: string, shows: MessagePayload): void =>
    ctx.rows.recordPosted(
      row.id,
      { key: row.messageKey, channel, ts, threadTs: parent?.ts, contentHash: contentHash(payload), shows: shown(shows) },
      ctx.clock.now().toISOString(),
    );

  if (row.uncertain) {
    const oldest = lookupOldest(row.createdAt);
    const target = { channel, key: row.messageKey, ...(parent ? { threadTs: parent.ts } : {}), ...(oldest ? { oldest } : {}) };
    const method = parent ? 'conversations.replies' : 'conversations.history';
    const found = await call(row, method, () => findPostedByKey(ctx.client, target));
    if (found) {
      record(found, payload);
      ctx.stats.recovered += 1;
      ctx.log.info({ messageKey: row.messageKey, channel, ts: found }, 'found an earlier post in Slack; recorded it instead of posting again');
      return;
    }
  }

  const metadata = payload.options?.metadata;
  ctx.paced();
  const { result, shows } = await sendWithFallback(row, payload, ctx, 'chat.postMessage', (sent) =>
    ctx.client.chat.postMessage({
      ...options(sent),
      channel,
      text: sent.text,
      ...(sent.blocks ? { blocks: sent.blocks } : {}),
      ...(parent ? { thread_ts: parent.ts } : {}),
      metadata: messageMetadata(row.messageKey, metadata),
    } as Parameters<WebClient['chat']['postMessage']>[0]),
  );
  record(result.ts!, shows);
  ctx.stats.posted += 1;
}

/**
 * Edits a posted message with the newest of its pending edits, superseding the older ones, and skips the
 * call when the message already shows that content.
 */
async function deliverEdit(row: OutboxRow, posted: PostedRow, ctx: DeliveryContext): Promise<void> {
  const nowIso = ctx.clock.now().toISOString();
  const group = ctx.rows.pendingEdits(row.messageKey, nowIso, (error) => noteInvalid(error, ctx));
  if (!group.some((pending) => pending.id === row.id)) group.push(row);
  const newest = group.reduce((latest, pending) => (pending.id > latest.id ? pending : latest));
  const superseded = group.filter((pending) => pending.id !== newest.id).map((pending) => pending.id);
  if (!ctx.rows.claimNewest(superseded, newest.id)) return;
  ctx.claimed = newest;
  ctx.stats.coalesced += superseded.length;
  const hash = contentHash(newest.payload);
  if (hash === posted.contentHash) {
    ctx.rows.markSent(newest.id, nowIso);
    ctx.stats.unchanged += 1;
    return;
  }

  ctx.paced();
  let shows: MessagePayload;
  try {
    ({ shows } = await sendWithFallback(newest, newest.payload, ctx, 'chat.update', (sent) => updateMessage(sent, newest, posted, ctx)));
  } catch (error) {
    if (!(error instanceof CallFailure) || classifySlackError(error.cause).description !== 'message_not_found') throw error;
    postAgain(newest, ctx);
    return;
  }
  ctx.rows.recordEdited(newest.id, newest.messageKey, hash, shown(shows), ctx.clock.now().toISOString());
  ctx.stats.updated += 1;
}

/**
 * Turns an edit of a message that Slack no longer has (deleted by someone, or by a retention policy) into
 * a new post of it, as its post or thread reply was, so the message shows again.
 */
function postAgain(row: OutboxRow, ctx: DeliveryContext): void {
  const post = ctx.rows.lastPost(row.messageKey) ?? { kind: row.kind === 'reply' ? 'reply' : 'post', threadKey: row.threadKey };
  ctx.rows.repost(row.id, row.messageKey, post);
  ctx.log.warn(
    { outboxId: row.id, messageKey: row.messageKey, channel: row.channel },
    `message ${row.messageKey} no longer exists in Slack (message_not_found); posting it again`,
  );
}

/** Calls chat.update with `sent`, the newest edit's payload or its text fallback. */
function updateMessage(sent: MessagePayload, newest: OutboxRow, posted: PostedRow, ctx: DeliveryContext): Promise<unknown> {
  const metadata = newest.payload.options?.metadata;
  const attachments = newest.payload.options?.attachments;
  return ctx.client.chat.update({
    ...options(sent, UPDATE_OPTIONS),
    channel: posted.channel,
    ts: posted.ts,
    text: sent.text,
    ...(sent.blocks ? { blocks: sent.blocks } : {}),
    // A text fallback also clears the attachments it left out, which chat.update would otherwise keep.
    ...(sent !== newest.payload && attachments !== undefined ? { attachments: [] } : {}),
    ...(metadata !== undefined ? { metadata: messageMetadata(newest.messageKey, metadata) } : {}),
  } as Parameters<WebClient['chat']['update']>[0]);
}

/**
 * Posts an ephemeral message to `options.user`, in the thread of `threadKey` when one is named, as its text
 * alone when Slack rejects its blocks.
 */
async function deliverEphemeral(row: OutboxRow, ctx: DeliveryContext): Promise<void> {
  const user = row.payload.options?.user;
  if (typeof user !== 'string' || user === '') {
    throw new UndeliverableRow(row, `ephemeral ${row.messageKey} has no options.user: name the user who should see it`);
  }
  const parent = parentOf(row, ctx);
  if (!ctx.rows.claim(row.id)) return;
  ctx.claimed = row;
  await sendWithFallback(row, row.payload, ctx, 'chat.postEphemeral', (sent) =>
    ctx.client.chat.postEphemeral({
      ...options(sent),
      channel: parent?.channel ?? row.channel,
      user,
      text: sent.text,
      ...(sent.blocks ? { blocks: sent.blocks } : {}),
      ...(parent ? { thread_ts: parent.ts } : {}),
    } as Parameters<WebClient['chat']['postEphemeral']>[0]),
  );
  ctx.rows.markSent(row.id, ctx.clock.now().toISOString());
  ctx.stats.ephemeral += 1;
}
