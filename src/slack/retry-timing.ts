/** Real time between two log lines that count rate-limited calls. */
const RATE_LIMIT_LOG_MS = 60_000;

/**
 * The dispatcher's retry timing, all in `performance.now()` milliseconds: when each failed row may be tried
 * again, the pause of every lane after a rejected token, and how often rate limits are logged.
 */
export class RetryTiming {
  /** Time before which a failed row is not retried, by outbox id. */
  private readonly retryAt = new Map<number, number>();
  private pausedUntil = 0;
  /** Token pauses in a row so far; 0 when delivery is not paused. */
  private pauses = 0;
  private rateLimited = 0;
  private rateLimitLoggedAt = Number.NEGATIVE_INFINITY;
  /** Time until which Slack's Retry-After holds back a method whose limit covers the whole workspace. */
  private readonly methodBlockedUntil = new Map<string, number>();

  constructor(
    private readonly baseMs: number,
    private readonly maxMs: number,
  ) {}

  /** Returns the delay before attempt `attempt + 1`: doubled per attempt up to the maximum, with ±20 % jitter. */
  backoff(attempt: number): number {
    const capped = Math.min(this.maxMs, this.baseMs * 2 ** (attempt - 1));
    return capped * (0.8 + Math.random() * 0.4);
  }

  retryAfter(id: number, at: number): void {
    this.retryAt.set(id, at);
  }

  forget(id: number): void {
    this.retryAt.delete(id);
  }

  /** Returns the time from which row `id`, which calls `method`, may be sent, pauses included. */
  readyAt(id: number, method: string): number {
    return Math.max(this.pausedUntil, this.retryAt.get(id) ?? 0, this.methodBlockedUntil.get(method) ?? 0);
  }

  /** Holds back every call of `method` until `until`. */
  blockMethod(method: string, until: number): void {
    this.methodBlockedUntil.set(method, Math.max(until, this.methodBlockedUntil.get(method) ?? 0));
  }

  /** Starts a pause of every lane unless one runs; returns its delay and count, or undefined when one ran. */
  pause(now: number): { delayMs: number; pauses: number } | undefined {
    if (now < this.pausedUntil) return undefined;
    this.pauses += 1;
    const delayMs = this.backoff(this.pauses);
    this.pausedUntil = now + delayMs;
    return { delayMs, pauses: this.pauses };
  }

  /** Ends a token pause; returns whether one was on. */
  resume(): boolean {
    if (this.pauses === 0) return false;
    this.pauses = 0;
    this.pausedUntil = 0;
    return true;
  }

  /** Counts a rate-limited call; returns the count to log, at most once per minute, and then restarts it. */
  countRateLimited(now: number): number | undefined {
    this.rateLimited += 1;
    if (now - this.rateLimitLoggedAt < RATE_LIMIT_LOG_MS) return undefined;
    const count = this.rateLimited;
    this.rateLimited = 0;
    this.rateLimitLoggedAt = now;
    return count;
  }
}
