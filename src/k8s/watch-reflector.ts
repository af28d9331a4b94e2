import { Watch, type KubeConfig } from '@kubernetes/client-node';
import type { Logger } from '../log.js';
import { getJson, isGone, statusDetail } from './watch-http.js';

/** Capped exponential backoff: initial delay, doubled per attempt, never above the maximum. */
export interface BackoffPolicy {
  initialMs: number;
  maxMs: number;
}

/**
 * Delay before retry number `attempt` (1 for the first retry): the capped exponential step, of which a random
 * half is kept ("equal jitter"), so retries of many watchers spread out but never exceed `maxMs`.
 */
export function backoffDelay(attempt: number, policy: BackoffPolicy, random: () => number = Math.random): number {
  const step = Math.min(policy.maxMs, policy.initialMs * 2 ** Math.min(Math.max(attempt - 1, 0), 30));
  return Math.round(step / 2 + random() * (step / 2));
}

/** Target of one reflector: the path and selector it lists and watches, and how objects become views. */
export interface ReflectorSpec<View> {
  /** Name for logs and errors, such as `nodes`. */
  name: string;
  path: string;
  fieldSelector?: string;
  toView(object: Record<string, unknown>): View;
  keyOf(view: View): string;
  /** Whether a view belongs in memory; one that stops belonging is dropped as if deleted. */
  keep(view: View): boolean;
}

export interface ReflectorHooks<View> {
  change(key: string, view: View, deleted: boolean): void;
  /** Called after each list or event that moved the resourceVersion. */
  progress(): void;
  synced(): void;
  error(error: Error): void;
}

export interface ReflectorOptions {
  cluster: string;
  kubeConfig: KubeConfig;
  log: Logger;
  backoff: BackoffPolicy;
  pageSize: number;
  /** Server-side watch timeout in seconds. Each watch requests a random value between this and twice this. */
  watchTimeoutSeconds: number;
}

type WatchOutcome =
  | { kind: 'closed'; events: number; durationMs: number }
  | { kind: 'expired' }
  | { kind: 'error'; error: Error }
  | { kind: 'stopped' };

interface ListPage {
  metadata?: { resourceVersion?: string; continue?: string };
  items?: Record<string, unknown>[];
}

// A watch that closes cleanly this soon without sending anything counts as a failure, so a server that
// accepts and drops watches at once is retried with backoff instead of in a tight loop.
const MIN_HEALTHY_WATCH_MS = 1000;
// Extra time past the server-side timeout before a silent watch is treated as a dead connection.
const IDLE_GRACE_MS = 30_000;

/**
 * Keeps the views of one kind of object current: lists (paged), then watches from the list's resourceVersion,
 * resumes after closed or failed watches from the last resourceVersion seen, and relists after 410 Gone,
 * reporting what appeared, changed or vanished meanwhile. It retries forever with capped, jittered backoff.
 */
export class Reflector<View extends { resourceVersion: string | null }> {
  items = new Map<string, View>();
  /** Last resourceVersion seen from a list, event or bookmark; empty until the first list. */
  resourceVersion = '';
  hasSynced = false;
  /** Bumped on every change to `items`, so callers can cache derived indexes. */
  version = 0;
  lastError: Error | null = null;
  private stopped = false;
  private failures = 0;
  /** Count of 410 responses since the last event that was not an error. A second one in a row waits for backoff. */
  private expiredInARow = 0;
  private lists = new AbortController();
  private abortWatch: (() => void) | null = null;
  private wake: (() => void) | null = null;
  private running: Promise<void> | null = null;

  constructor(
    readonly spec: ReflectorSpec<View>,
    private readonly options: ReflectorOptions,
    private readonly hooks: ReflectorHooks<View>,
  ) {}

  start(): void {
    this.stopped = false;
    if (this.lists.signal.aborted) this.lists = new AbortController();
    this.running ??= this.loop().finally(() => (this.running = null));
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.lists.abort();
    this.abortWatch?.();
    this.wake?.();
    await this.running;
  }

  private get logFields() {
    return { cluster: this.options.cluster, watch: this.spec.name };
  }

  private async loop(): Promise<void> {
    while (!this.stopped) {
      let delay = 0;
      try {
        if (this.resourceVersion === '') await this.relist();
        if (this.stopped) break;
        delay = this.afterWatch(await this.watchOnce());
      } catch (error) {
        if (this.stopped) break;
        delay = this.afterFailure(error instanceof Error ? error : new Error(String(error)));
      }
      if (delay > 0 && !this.stopped) await this.sleep(delay);
    }
  }

  /** Decides what follows a finished watch, and returns the delay before the next attempt. */
  private afterWatch(outcome: WatchOutcome): number {
    switch (outcome.kind) {
      case 'stopped':
        return 0;
      case 'expired':
        this.options.log.info(
          { ...this.logFields, resourceVersion: this.resourceVersion },
          'watch history expired (410 Gone); relisting',
        );
        this.resourceVersion = '';
        if (this.expiredInARow++ === 0) return 0;
        return this.afterFailure(new Error('watch expired again right after a fresh list'));
      case 'error':
        return this.afterFailure(outcome.error);
      case 'closed':
        if (outcome.events === 0 && outcome.durationMs < MIN_HEALTHY_WATCH_MS) {
          return this.afterFailure(new Error(`watch closed after ${outcome.durationMs} ms without any event`));
        }
        this.options.log.info(
          { ...this.logFields, resourceVersion: this.resourceVersion, events: outcome.events },
          'watch closed by the server; reconnecting',
        );
        return 0;
    }
  }

  private afterFailure(error: Error): number {
    this.failures++;
    this.lastError = error;
    const delayMs = backoffDelay(this.failures, this.options.backoff);
    this.options.log.warn(
      { ...this.logFields, err: error, attempt: this.failures, delayMs, resourceVersion: this.resourceVersion },
      `${this.spec.name} watch failed; retrying in ${delayMs} ms`,
    );
    this.hooks.error(error);
    return delayMs;
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.wake = null;
        resolve();
      }, ms);
      this.wake = () => {
        clearTimeout(timer);
        this.wake = null;
        resolve();
      };
    });
  }

  /** Lists every page at one resourceVersion; an expired continue token restarts the list once. */
  private async listAll(): Promise<{ views: Map<string, View>; resourceVersion: string }> {
    for (let attempt = 1; ; attempt++) {
      const views = new Map<string, View>();
      let resourceVersion = '';
      let token: string | undefined;
      try {
        do {
          const query = { fieldSelector: this.spec.fieldSelector, limit: String(this.options.pageSize), continue: token };
          const page = (await getJson(this.options.kubeConfig, this.spec.path, query, this.lists.signal)) as ListPage;
          resourceVersion ||= page.metadata?.resourceVersion ?? '';
          for (const item of page.items ?? []) {
            const view = this.spec.toView(item);
            if (this.spec.keep(view)) views.set(this.spec.keyOf(view), view);
          }
          token = page.metadata?.continue || undefined;
        } while (token !== undefined && !this.stopped);
        return { views, resourceVersion };
      } catch (error) {
        if (!(isGone(error) && token !== undefined && attempt === 1)) throw error;
        this.options.log.info(this.logFields, 'list continue token expired; restarting the list');
      }
    }
  }

  private async relist(): Promise<void> {
    const { views, resourceVersion } = await this.listAll();
    if (this.stopped) return;
    if (resourceVersion === '') throw new Error(`list of ${this.spec.path} returned no metadata.resourceVersion`);
    const previous = this.items;
    this.items = views;
    this.version++;
    for (const [key, view] of previous) {
      if (!views.has(key)) this.hooks.change(key, view, true);
    }
    for (const [key, view] of views) {
      const old = previous.get(key);
      if (!old || old.resourceVersion !== view.resourceVersion) this.hooks.change(key, view, false);
    }
    this.resourceVersion = resourceVersion;
    // A list that follows a 410 proves nothing about the watch, so a storm of 410s keeps its backoff growing
    // instead of relisting everything at the initial delay forever.
    if (this.expiredInARow === 0) this.failures = 0;
    this.options.log.debug({ ...this.logFields, resourceVersion, count: views.size }, 'listed');
    if (!this.hasSynced) {
      this.hasSynced = true;
      this.hooks.synced();
    }
    this.hooks.progress();
  }

  private watchTimeout(): number {
    const base = this.options.watchTimeoutSeconds;
    return Math.round(base + Math.random() * base);
  }

  private watchOnce(): Promise<WatchOutcome> {
    const timeoutSeconds = this.watchTimeout();
    const idleMs = timeoutSeconds * 1000 + IDLE_GRACE_MS;
    const started = Date.now();
    let events = 0;
    let settled = false;
    let controller: AbortController | undefined;
    let idleTimer: NodeJS.Timeout | undefined;
    return new Promise<WatchOutcome>((resolve) => {
      const settle = (outcome: WatchOutcome) => {
        if (settled) return;
        settled = true;
        clearTimeout(idleTimer);
        this.abortWatch = null;
        controller?.abort();
        resolve(outcome);
      };
      const armIdle = () => {
        clearTimeout(idleTimer);
        idleTimer = setTimeout(
          () => settle({ kind: 'error', error: new Error(`no watch event or bookmark for ${idleMs} ms`) }),
          idleMs,
        );
      };
      this.abortWatch = () => settle({ kind: 'stopped' });
      armIdle();
      const params = {
        resourceVersion: this.resourceVersion,
        allowWatchBookmarks: true,
        timeoutSeconds,
        fieldSelector: this.spec.fieldSelector,
      };
      const onEvent = (type: string, object: unknown) => {
        if (settled) return;
        armIdle();
        events++;
        const outcome = this.handleEvent(type, (object ?? {}) as Record<string, unknown>);
        if (outcome) settle(outcome);
      };
      const onDone = (error: unknown) => {
        if (!error) settle({ kind: 'closed', events, durationMs: Date.now() - started });
        else if (isGone(error)) settle({ kind: 'expired' });
        else settle({ kind: 'error', error: error instanceof Error ? error : new Error(String(error)) });
      };
      new Watch(this.options.kubeConfig).watch(this.spec.path, params, onEvent, onDone).then(
        (opened) => {
          controller = opened;
          if (settled) opened.abort();
        },
        (error: unknown) => onDone(error ?? new Error('watch request failed')),
      );
    });
  }

  /** Applies one watch event; returns an outcome when the event ends the watch. */
  private handleEvent(type: string, object: Record<string, unknown>): WatchOutcome | null {
    if (type === 'ERROR') {
      const code = (object as { code?: unknown }).code;
      if (code === 410) return { kind: 'expired' };
      const detail = statusDetail(object);
      return { kind: 'error', error: new Error(`watch ERROR event: ${String(code)} ${detail.reason}: ${detail.message}`) };
    }
    if (type === 'ADDED' || type === 'MODIFIED' || type === 'DELETED') {
      const view = this.spec.toView(object);
      const key = this.spec.keyOf(view);
      if (type !== 'DELETED' && this.spec.keep(view)) {
        this.items.set(key, view);
        this.version++;
        this.hooks.change(key, view, false);
      } else if (this.items.delete(key)) {
        this.version++;
        this.hooks.change(key, view, true);
      }
    } else if (type !== 'BOOKMARK') {
      this.options.log.warn({ ...this.logFields, type }, 'ignored a watch event of unknown type');
      return null;
    }
    const metadata = object.metadata as { resourceVersion?: unknown } | undefined;
    if (typeof metadata?.resourceVersion === 'string' && metadata.resourceVersion !== '') {
      this.resourceVersion = metadata.resourceVersion;
    }
    this.failures = 0;
    this.expiredInARow = 0;
    this.hooks.progress();
    return null;
  }
}
