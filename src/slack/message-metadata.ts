import type { WebClient } from '@slack/web-api';

/** `metadata.event_type` of every message the dispatcher posts; `event_payload.key` is the outbox message key. */
export const PITSTOP_EVENT_TYPE = 'pitstop_message';

/**
 * How many messages a lookup reads before concluding the message was never posted: without a time bound,
 * and when it reads only messages newer than `oldest`, which keeps the pages to those since the post.
 */
const LOOKUP_MAX_MESSAGES = 1000;
const LOOKUP_MAX_MESSAGES_SINCE = 10_000;
const LOOKUP_PAGE = 200;

/** Margin below the enqueue time for the lookup's `oldest`, for a host clock ahead of Slack's. */
const CLOCK_SKEW_MS = 3_600_000;

/** Returns the Slack ts (`seconds.micros`) a lookup reads from for a post enqueued at `enqueuedAt`. */
export function lookupOldest(enqueuedAt: string): string | undefined {
  const time = Date.parse(enqueuedAt);
  if (Number.isNaN(time)) return undefined;
  return `${Math.max(0, Math.floor((time - CLOCK_SKEW_MS) / 1000))}.000000`;
}

export interface MessageMetadataArgument {
  event_type: string;
  event_payload: Record<string, unknown>;
}

/** Builds the metadata a post carries: the caller's `event_payload` fields plus the message key. */
export function messageMetadata(key: string, extra?: unknown): MessageMetadataArgument {
  const payload = (extra as { event_payload?: unknown } | undefined)?.event_payload;
  const fields = typeof payload === 'object' && payload !== null ? (payload as Record<string, unknown>) : {};
  return { event_type: PITSTOP_EVENT_TYPE, event_payload: { ...fields, key } };
}

interface ListedMessage {
  ts?: string;
  metadata?: { event_type?: string; event_payload?: Record<string, unknown> };
}

function carriesKey(message: ListedMessage, key: string): boolean {
  return message.metadata?.event_type === PITSTOP_EVENT_TYPE && message.metadata.event_payload?.key === key;
}

/**
 * Looks for a message the dispatcher posted with `key`, newest first: in the channel's history, or in the
 * thread of `threadTs` for a reply, and only among messages after `oldest` when it is given. Returns its
 * ts, or undefined when none of the messages read carries the key: at most {@link LOOKUP_MAX_MESSAGES}, or
 * {@link LOOKUP_MAX_MESSAGES_SINCE} after `oldest`.
 */
export async function findPostedByKey(
  client: WebClient,
  target: { channel: string; key: string; threadTs?: string; oldest?: string },
): Promise<string | undefined> {
  const limit = target.oldest === undefined ? LOOKUP_MAX_MESSAGES : LOOKUP_MAX_MESSAGES_SINCE;
  const since = target.oldest === undefined ? {} : { oldest: target.oldest };
  let cursor: string | undefined;
  let read = 0;
  do {
    const page =
      target.threadTs === undefined
        ? await client.conversations.history({ channel: target.channel, include_all_metadata: true, limit: LOOKUP_PAGE, cursor, ...since })
        : await client.conversations.replies({
            channel: target.channel,
            ts: target.threadTs,
            include_all_metadata: true,
            limit: LOOKUP_PAGE,
            cursor,
            ...since,
          });
    const messages = (page.messages ?? []) as ListedMessage[];
    const found = messages.find((message) => carriesKey(message, target.key));
    if (found?.ts) return found.ts;
    read += messages.length;
    cursor = page.response_metadata?.next_cursor || undefined;
  } while (cursor !== undefined && read < limit);
  return undefined;
}
