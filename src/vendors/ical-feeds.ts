import type { PitstopContext } from '../context.js';
import { ICAL_FORMAT } from './ical.js';
import { receiveNotice } from './intake.js';
import { latestNoticeFrom } from './notice-store.js';

/** Time limit for fetching one feed; a feed that exceeds it fails until the next poll. */
const FETCH_TIMEOUT_MS = 30_000;

export interface FeedPollResult {
  url: string;
  /** `stored`: a new version was read and stored. `unchanged`: the body equals the last one stored. */
  outcome: 'stored' | 'unchanged' | 'failed';
  noticeId?: number;
  error?: string;
}

async function fetchFeed(url: string, fetchImpl: typeof fetch): Promise<string> {
  const response = await fetchImpl(url, { signal: AbortSignal.timeout(FETCH_TIMEOUT_MS), headers: { accept: 'text/calendar' } });
  if (!response.ok) throw new Error(`HTTP ${response.status} ${response.statusText}`.trim());
  return response.text();
}

/**
 * Fetches every `notices.icalFeeds` entry and passes each changed feed through the notice intake as an
 * iCalendar notice of the feed's vendor, with the feed URL as its origin. A feed whose body is the same
 * as the last one stored is not stored again. A feed that fails is logged and reported, and the others
 * still run.
 */
export async function pollICalFeeds(
  ctx: PitstopContext,
  options: { fetch?: typeof fetch } = {},
): Promise<FeedPollResult[]> {
  const fetchImpl = options.fetch ?? fetch;
  const results: FeedPollResult[] = [];
  for (const feed of ctx.config.notices.icalFeeds) {
    let body: string;
    try {
      body = await fetchFeed(feed.url, fetchImpl);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      ctx.log.warn({ feed: feed.url, vendor: feed.vendor, err: error }, 'iCalendar feed fetch failed');
      results.push({ url: feed.url, outcome: 'failed', error: message });
      continue;
    }
    const previous = latestNoticeFrom(ctx.db, { vendor: feed.vendor, format: ICAL_FORMAT, origin: feed.url });
    if (previous?.document === body) {
      results.push({ url: feed.url, outcome: 'unchanged', noticeId: previous.id });
      continue;
    }
    const response = receiveNotice(ctx, body, { vendor: feed.vendor, format: ICAL_FORMAT, origin: feed.url });
    const noticeId = response.body.id as number;
    if (response.status === 202) results.push({ url: feed.url, outcome: 'stored', noticeId });
    else results.push({ url: feed.url, outcome: 'failed', noticeId, error: String(response.body.error) });
  }
  return results;
}
