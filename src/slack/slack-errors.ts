import { ErrorCode } from '@slack/web-api';

/** The dispatcher's reading of a failed Web API call. */
export interface CallFailureKind {
  retryable: boolean;
  /** The call may have taken effect (lost response, timeout, 5xx), so a post must look for itself first. */
  uncertain: boolean;
  /** Delay Slack asked for with Retry-After. */
  retryAfterMs?: number;
  /** Slack rejected the token, so every call fails alike until someone fixes it: pause all delivery, keep the rows. */
  pausesDelivery?: boolean;
  /** Error name and detail for `last_error` and the log, such as `invalid_blocks: must be less than 3001 …`. */
  description: string;
}

/** Slack error names worth retrying; every other platform error is permanent. */
const RETRYABLE_ERRORS = new Set([
  'ratelimited',
  'rate_limited',
  'internal_error',
  'fatal_error',
  'request_timeout',
  'service_unavailable',
]);

/**
 * Token errors from Slack's list of errors that every Web API method can return. They are not about the
 * row: every call fails the same way until the token is replaced or the app is reinstalled.
 */
const TOKEN_ERRORS = new Set(['not_authed', 'invalid_auth', 'account_inactive', 'token_revoked', 'token_expired']);

/** Errors Slack documents as "it's possible some aspect of the operation succeeded". */
const MAYBE_APPLIED_ERRORS = new Set(['internal_error', 'fatal_error']);

/** Network errors that mean the request never reached the server. */
const NOT_SENT_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN']);

interface WebApiError {
  code?: string;
  message?: string;
  retryAfter?: number;
  statusCode?: number;
  data?: { error?: string; errors?: string[] };
  original?: { code?: string; message?: string };
}

/** Classifies an error thrown by @slack/web-api's WebClient (7.x error codes). */
export function classifySlackError(error: unknown): CallFailureKind {
  const failure = (error ?? {}) as WebApiError;
  switch (failure.code) {
    case ErrorCode.RateLimitedError: {
      const seconds = failure.retryAfter ?? 1;
      return { retryable: true, uncertain: false, retryAfterMs: seconds * 1000, description: `ratelimited (Retry-After ${seconds} s)` };
    }
    case ErrorCode.PlatformError: {
      const name = failure.data?.error ?? 'unknown_error';
      const detail = failure.data?.errors?.length ? `: ${failure.data.errors.join('; ')}` : '';
      if (TOKEN_ERRORS.has(name)) return { retryable: true, uncertain: false, pausesDelivery: true, description: `${name}${detail}` };
      return { retryable: RETRYABLE_ERRORS.has(name), uncertain: MAYBE_APPLIED_ERRORS.has(name), description: `${name}${detail}` };
    }
    case ErrorCode.RequestError: {
      const networkCode = failure.original?.code;
      const reason = failure.original?.message ?? failure.message ?? 'request failed';
      return {
        retryable: true,
        uncertain: networkCode === undefined || !NOT_SENT_CODES.has(networkCode),
        description: `request failed: ${reason}`,
      };
    }
    case ErrorCode.HTTPError: {
      const status = failure.statusCode ?? 0;
      const retryable = status >= 500 || status === 408;
      return { retryable, uncertain: retryable, description: `HTTP ${status}` };
    }
    default:
      return { retryable: false, uncertain: false, description: failure.message ?? String(error) };
  }
}
