import { LogLevel, type Logger as SlackLogger, WebClient } from '@slack/web-api';
import type { Logger } from '../log.js';

export interface DispatchClientOptions {
  botToken: string;
  /** Web API root; only a local stand-in should set it. Defaults to Slack's. */
  slackApiUrl?: string;
  /** Request timeout; default 10000 ms, because WebClient's own default is no timeout at all. */
  timeoutMs?: number;
  log: Logger;
}

/** Adapts pino to the logger WebClient takes. WebClient's warnings repeat what the dispatcher logs, so they go to debug. */
function webClientLogger(log: Logger): SlackLogger {
  const child = log.child({ component: 'web-api' });
  let level = LogLevel.INFO;
  const join = (parts: unknown[]): string => parts.map((part) => (typeof part === 'string' ? part : JSON.stringify(part))).join(' ');
  return {
    debug: (...parts: unknown[]) => child.trace(join(parts)),
    info: (...parts: unknown[]) => child.debug(join(parts)),
    warn: (...parts: unknown[]) => child.debug(join(parts)),
    error: (...parts: unknown[]) => child.error(join(parts)),
    setLevel: (next: LogLevel) => {
      level = next;
    },
    getLevel: () => level,
    setName: () => undefined,
  };
}

/**
 * Creates the WebClient the dispatcher needs: no retries of its own (the durable outbox retries), 429s
 * rejected with their Retry-After instead of pausing every call, and a request timeout. Do not share it
 * with interactive handlers; a views.open must not wait behind the outbox.
 */
export function createDispatchClient(options: DispatchClientOptions): WebClient {
  return new WebClient(options.botToken, {
    ...(options.slackApiUrl !== undefined ? { slackApiUrl: options.slackApiUrl } : {}),
    retryConfig: { retries: 0 },
    rejectRateLimitedCalls: true,
    timeout: options.timeoutMs ?? 10_000,
    logger: webClientLogger(options.log),
  });
}
