import type { Logger } from '../log.js';
import type { OutboxRows, StrandedRow } from './outbox-rows.js';

/** Counts of the rows {@link settleStranded} changed, for the dispatcher's statistics. */
export interface StrandedOutcome {
  /** Updates turned into the post of a message whose post is dead. */
  revived: number;
  /** Edits, replies and ephemerals marked dead because the message they need was not posted. */
  dead: number;
}

function groupByAwaited(rows: StrandedRow[]): Map<string, StrandedRow[]> {
  const groups = new Map<string, StrandedRow[]>();
  for (const row of rows) {
    const group = groups.get(row.awaited) ?? [];
    group.push(row);
    groups.set(row.awaited, group);
  }
  return groups;
}

/**
 * Slack errors meaning that the channel takes no message from the bot, so an edit posted in place of the
 * dead post would fail the same way.
 */
const CHANNEL_ERRORS = ['channel_not_found', 'not_in_channel', 'is_archived', 'restricted_action'];

function failsForChannel(error: string | null): boolean {
  return error !== null && CHANNEL_ERRORS.some((name) => error === name || error.startsWith(`${name}:`) || error.startsWith(`${name}_`));
}

/**
 * Settles rows that wait for a message that no pending post will create. When the message's newest post is
 * dead for a reason other than its channel, its newest pending edit becomes the post, because the edit's
 * content may be accepted where the first was not. Otherwise the waiting edits and the rows in its thread
 * are marked dead, logged in one line per call. Rows that wait for a message never enqueued keep waiting
 * and are logged once per message.
 */
export function settleStranded(rows: OutboxRows, nowIso: string, log: Logger, noted: Set<string>): StrandedOutcome {
  const outcome: StrandedOutcome = { revived: 0, dead: 0 };
  const deadMessages: { awaited: string; rows: number; error: string | null }[] = [];
  for (const [awaited, waiting] of groupByAwaited(rows.stranded(nowIso))) {
    const post = rows.lastPost(awaited);
    if (!post || post.state !== 'dead') {
      if (noted.has(awaited)) continue;
      noted.add(awaited);
      log.warn(
        { awaited, rows: waiting.length, outboxIds: waiting.slice(0, 10).map((row) => row.id) },
        `${waiting.length} outbox row(s) wait for message ${awaited}, which no pending post creates; ` +
          `they are sent once a post of ${awaited} is enqueued`,
      );
      continue;
    }
    const edits = waiting.filter((row) => row.kind === 'update' && row.messageKey === awaited);
    const newest = edits.at(-1);
    if (newest && !failsForChannel(post.lastError)) {
      rows.reviveAsPost(newest.id, edits.slice(0, -1).map((row) => row.id), post);
      outcome.revived += 1;
      log.warn(
        { messageKey: awaited, outboxId: newest.id, deadError: post.lastError },
        `the post of ${awaited} is dead (${post.lastError ?? 'unknown error'}); posting its newest edit instead`,
      );
      continue;
    }
    const reason = `message ${awaited} was not posted: ${post.lastError ?? 'its post is dead'}`;
    for (const row of waiting) rows.markDead(row.id, reason);
    outcome.dead += waiting.length;
    deadMessages.push({ awaited, rows: waiting.length, error: post.lastError });
  }
  if (deadMessages.length > 0) {
    const first = deadMessages[0]!;
    log.error(
      { rows: outcome.dead, messages: deadMessages.length, sample: deadMessages.slice(0, 10) },
      `${outcome.dead} outbox row(s) are dead because the message they edit or reply to was not posted ` +
        `(${deadMessages.length} message(s), such as ${first.awaited}: ${first.error ?? 'its post is dead'})`,
    );
  }
  return outcome;
}
