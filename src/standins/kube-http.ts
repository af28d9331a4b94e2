import type { IncomingMessage, ServerResponse } from 'node:http';
import { timingSafeEqual } from 'node:crypto';
import { ExpiredError, type ObjectStore } from './kube-store.js';
import { SelectorError } from './kube-selectors.js';
import { handleWatch, parseWatchQuery, sendExpired, type WatchRegistry } from './kube-watch.js';
import { handleList } from './kube-list.js';
import { handlePatch } from './kube-patch-route.js';
import { parseTarget, sendJson, sendStatus, storedObject, StatusError } from './kube-route.js';

/** One request the stand-in received, for tests to count and inspect. */
export interface KubeRequestRecord {
  method: string;
  path: string;
  query: Record<string, string>;
  /** Wall-clock time the request arrived, in epoch milliseconds. */
  receivedAt: number;
  /** HTTP status sent; `undefined` while the response (a watch, say) is still open. */
  status?: number;
}

function authorized(request: IncomingMessage, token: string): boolean {
  const expected = Buffer.from(`Bearer ${token}`);
  const received = Buffer.from(request.headers.authorization ?? '');
  return received.length === expected.length && timingSafeEqual(received, expected);
}

export interface HandlerContext {
  store: ObjectStore;
  token: string;
  watches: WatchRegistry;
  requests: KubeRequestRecord[];
  /**
   * Requests still to fail with `code` before the stand-in responds normally again, and watches still to
   * answer with a 410 Expired ERROR event whatever resourceVersion they ask for.
   */
  faults: { remaining: number; code: number; expiredWatches: number };
}

const FAULT_REASONS: Record<number, string> = {
  429: 'TooManyRequests',
  500: 'InternalError',
  503: 'ServiceUnavailable',
  504: 'Timeout',
};

/** Builds the request listener of the stand-in: bearer-token auth, then list, watch, get and patch routes. */
export function createKubeHandler(context: HandlerContext) {
  return (request: IncomingMessage, response: ServerResponse): void => {
    const url = new URL(request.url ?? '/', 'https://stand-in.invalid');
    const record: KubeRequestRecord = {
      method: request.method ?? 'GET',
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      receivedAt: Date.now(),
    };
    context.requests.push(record);
    response.on('finish', () => (record.status = response.statusCode));
    response.on('close', () => (record.status ??= response.statusCode));
    route(context, request, response, url).catch((error: unknown) => {
      if (response.headersSent) {
        response.destroy();
        return;
      }
      sendStatus(response, asStatusError(error));
    });
  };
}

function asStatusError(error: unknown): StatusError {
  if (error instanceof StatusError) return error;
  if (error instanceof SelectorError) return new StatusError(400, 'BadRequest', error.message);
  if (error instanceof ExpiredError) return new StatusError(410, 'Expired', error.message);
  const message = error instanceof Error ? error.message : String(error);
  return new StatusError(500, 'InternalError', `stand-in failed: ${message}`);
}

async function route(
  context: HandlerContext,
  request: IncomingMessage,
  response: ServerResponse,
  url: URL,
): Promise<void> {
  if (context.faults.remaining > 0) {
    context.faults.remaining--;
    const code = context.faults.code;
    throw new StatusError(code, FAULT_REASONS[code] ?? 'InternalError', `injected failure with HTTP ${code}`);
  }
  if (!authorized(request, context.token)) {
    throw new StatusError(401, 'Unauthorized', 'Unauthorized');
  }
  const target = parseTarget(url.pathname);
  const method = request.method ?? 'GET';
  if (method === 'GET' && target.name === undefined) {
    const watch = url.searchParams.get('watch');
    if ((watch === 'true' || watch === '1') && context.faults.expiredWatches > 0) {
      context.faults.expiredWatches--;
      sendExpired(response, 'injected: too old resource version');
    } else if (watch === 'true' || watch === '1') {
      handleWatch(context.store, context.watches, target, parseWatchQuery(url.searchParams), response);
    } else {
      sendJson(response, 200, handleList(context.store, target, url.searchParams));
    }
    return;
  }
  if (method === 'GET') {
    sendJson(response, 200, storedObject(context.store, target));
    return;
  }
  if (method === 'PATCH' && target.name !== undefined) {
    sendJson(response, 200, await handlePatch(context.store, target, request));
    return;
  }
  throw new StatusError(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource');
}

