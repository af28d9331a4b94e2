import type { WebClient } from '@slack/web-api';

/** `metadata.event_type` of every message the dispatcher posts; `event_payload.key` is the outbox message key. */
export const PITSTOP_EVENT_TYPE = 'pitstop_message';

/** How far back a lookup reads a channel's history before concluding the message was never posted. */
const LOOKUP_MAX_MESSAGES = 1000;
const LOOKUP_PAGE = 200;

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
 * thread of `threadTs` for a reply. Returns its ts, or undefined when none of the last
 * {@link LOOKUP_MAX_MESSAGES} messages carries the key.
 */
export async function findPostedByKey(
  client: WebClient,
  target: { channel: string; key: string; threadTs?: string },
): Promise<string | undefined> {
  let cursor: string | undefined;
  let read = 0;
  do {
    const page =
      target.threadTs === undefined
        ? await client.conversations.history({ channel: target.channel, include_all_metadata: true, limit: LOOKUP_PAGE, cursor })
        : await client.conversations.replies({
            channel: target.channel,
            ts: target.threadTs,
            include_all_metadata: true,
            limit: LOOKUP_PAGE,
            cursor,
          });
    const messages = (page.messages ?? []) as ListedMessage[];
    const found = messages.find((message) => carriesKey(message, target.key));
    if (found?.ts) return found.ts;
    read += messages.length;
    cursor = page.response_metadata?.next_cursor || undefined;
  } while (cursor !== undefined && read < LOOKUP_MAX_MESSAGES);
  return undefined;
}
