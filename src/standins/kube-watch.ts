import type { ServerResponse } from 'node:http';
import { statusBody, type KubeObject } from './kube-resources.js';
import type { Matcher } from './kube-selectors.js';
import { ExpiredError, type ObjectStore, type StoreChange } from './kube-store.js';
import { buildMatcher } from './kube-list.js';
import { StatusError, type Target } from './kube-route.js';

// The API server closes a watch without timeoutSeconds after a random 30 to 60 minutes; this uses the lower bound.
const DEFAULT_TIMEOUT_SECONDS = 1800;

export interface WatchQuery {
  resourceVersion: string;
  allowBookmarks: boolean;
  timeoutSeconds: number;
  params: URLSearchParams;
}

export function parseWatchQuery(params: URLSearchParams): WatchQuery {
  const timeout = params.get('timeoutSeconds');
  if (timeout !== null && !/^\d+$/.test(timeout)) {
    throw new StatusError(400, 'BadRequest', `invalid timeoutSeconds "${timeout}": expected a whole number of seconds`);
  }
  const resourceVersion = params.get('resourceVersion') ?? '';
  if (resourceVersion !== '' && !/^\d+$/.test(resourceVersion)) {
    throw new StatusError(400, 'BadRequest', `invalid resourceVersion "${resourceVersion}": expected a number`);
  }
  return {
    resourceVersion,
    allowBookmarks: params.get('allowWatchBookmarks') === 'true',
    timeoutSeconds: timeout === null || timeout === '0' ? DEFAULT_TIMEOUT_SECONDS : Number(timeout),
    params,
  };
}

export type DropMode = 'reset' | 'end';

interface ActiveWatch {
  /** Stops sending events and closes the stream cleanly (`end`) or by destroying the connection (`reset`). */
  close(mode: DropMode): void;
}

/** Open watch responses, so tests can break them all at once. */
export class WatchRegistry {
  private readonly active = new Set<ActiveWatch>();

  add(watch: ActiveWatch): void {
    this.active.add(watch);
  }

  delete(watch: ActiveWatch): void {
    this.active.delete(watch);
  }

  get size(): number {
    return this.active.size;
  }

  /** Breaks every open watch: `reset` destroys the connection, `end` closes the stream cleanly. */
  drop(mode: DropMode): number {
    const watches = [...this.active];
    for (const watch of watches) watch.close(mode);
    return watches.length;
  }
}

interface WatchEvent {
  type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';
  object: KubeObject;
}

/**
 * Converts a write into the event a filtered watch receives. An object that starts to match is ADDED and one
 * that stops matching is DELETED, as the API server's watch cache reports them.
 */
function eventFor(change: StoreChange, matches: Matcher): WatchEvent | null {
  const matchedBefore = change.previous !== undefined && matches(change.previous);
  if (change.type === 'DELETED') return matchedBefore ? { type: 'DELETED', object: change.object } : null;
  const matchesNow = matches(change.object);
  if (matchesNow) return { type: matchedBefore ? 'MODIFIED' : 'ADDED', object: change.object };
  return matchedBefore ? { type: 'DELETED', object: change.object } : null;
}

function bookmark(target: Target, revision: number): WatchEvent {
  return { type: 'BOOKMARK', object: { kind: target.resource.kind, apiVersion: 'v1', metadata: { resourceVersion: String(revision) } } };
}

/** Builds the events a new watch starts with: the current objects, or the writes after its resourceVersion. */
function backlogFor(store: ObjectStore, target: Target, query: WatchQuery, matches: Matcher): WatchEvent[] {
  if (query.resourceVersion === '' || query.resourceVersion === '0') {
    return store
      .list(target.resource)
      .filter(matches)
      .map((object) => ({ type: 'ADDED', object }));
  }
  const events: WatchEvent[] = [];
  for (const change of store.changesSince(Number(query.resourceVersion))) {
    if (change.resource !== target.resource) continue;
    const event = eventFor(change, matches);
    if (event) events.push(event);
  }
  return events;
}

/** Answers a watch the way the API server reports an expired resourceVersion: HTTP 200 and one 410 ERROR event. */
export function sendExpired(response: ServerResponse, message: string): void {
  response.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-cache, private' });
  response.end(`${JSON.stringify({ type: 'ERROR', object: statusBody(410, 'Expired', message) })}\n`);
}

/**
 * Streams watch events as JSON lines. A resourceVersion older than the retained history gets HTTP 200 and one
 * ERROR event with a 410 Expired Status, which is how the API server reports it. With allowWatchBookmarks, a
 * BOOKMARK follows the backlog and every later write, so a client can tell it has seen a revision.
 */
export function handleWatch(
  store: ObjectStore,
  registry: WatchRegistry,
  target: Target,
  query: WatchQuery,
  response: ServerResponse,
): void {
  const matches = buildMatcher(target, query.params);
  let backlog: WatchEvent[] = [];
  let expired: ExpiredError | null = null;
  try {
    backlog = backlogFor(store, target, query, matches);
  } catch (error) {
    if (!(error instanceof ExpiredError)) throw error;
    expired = error;
  }
  if (expired) {
    sendExpired(response, expired.message);
    return;
  }
  response.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-cache, private' });
  const send = (event: WatchEvent) => {
    if (!response.writableEnded && !response.destroyed) response.write(`${JSON.stringify(event)}\n`);
  };
  for (const event of backlog) send(event);
  if (query.allowBookmarks) send(bookmark(target, store.revision));
  else response.flushHeaders();

  const unsubscribe = store.subscribe((changes, revision) => {
    for (const change of changes) {
      if (change.resource !== target.resource) continue;
      const event = eventFor(change, matches);
      if (event) send(event);
    }
    if (query.allowBookmarks) send(bookmark(target, revision));
  });
  const watch: ActiveWatch = {
    close(mode) {
      unsubscribe();
      clearTimeout(timer);
      registry.delete(watch);
      if (response.writableEnded || response.destroyed) return;
      if (mode === 'end') response.end();
      else response.destroy();
    },
  };
  const timer = setTimeout(() => watch.close('end'), query.timeoutSeconds * 1000);
  timer.unref();
  registry.add(watch);
  response.on('close', () => watch.close('end'));
}
