import type { WebClient } from '@slack/web-api';
import type { Clock } from '../clock.js';
import type { Logger } from '../log.js';
import type { Db } from '../store/db.js';
import { type DeliveryContext, type DispatcherStats, deliver, emptyStats } from './deliver.js';
import { type LeaseHolder, type LeaseState, OutboxLease } from './outbox-lease.js';
import { type OutboxRow, OutboxRows } from './outbox-rows.js';
import { DeliveryFailures } from './delivery-failures.js';
import { RetryTiming } from './retry-timing.js';
import { settleStranded } from './stranded.js';

export { type DispatcherStats, emptyStats } from './deliver.js';

export interface DispatcherOptions {
  db: Db;
  /**
   * Client for chat.* calls. Build it with `createDispatchClient`: the dispatcher does its own retries, so
   * the client must not retry (`retryConfig: { retries: 0 }`), must reject 429s (`rejectRateLimitedCalls`)
   * and needs a request `timeout`.
   */
  client: WebClient;
  /** Stamps `sent_at` and `slack_messages` times and decides which rows are due. Pacing uses real time. */
  clock: Clock;
  log: Logger;
  /** Real time between two chat.postMessage or chat.update calls in one channel; default 1000 ms. */
  minIntervalMsPerChannel?: number;
  /** Calls in flight at once across all channels; default 4. */
  maxConcurrentCalls?: number;
  /** First retry delay, doubled per attempt up to `maxRetryDelayMs`; defaults 1000 ms and 60000 ms. */
  retryBaseMs?: number;
  maxRetryDelayMs?: number;
  /** How often the outbox is read for rows enqueued without `wake()`; default 1000 ms. */
  pollIntervalMs?: number;
  /** Attempts an ephemeral gets before it is marked dead; default 5, because a late ephemeral is noise. */
  ephemeralAttempts?: number;
  /**
   * Wall-clock lifetime of the outbox lease; default 30000 ms. A call starts only while at least half of it
   * remains, so the client's request timeout must be shorter than half (the default client's is 10 s).
   */
  leaseTtlMs?: number;
}

/** Polls between two checks for stranded rows when nothing woke the dispatcher. */
const STRANDED_CHECK_POLLS = 10;

/**
 * The Web API method a lane head is expected to call. A post may turn out to be an edit or a lookup, but
 * its lane's pacing covers that.
 */
function methodOf(kind: OutboxRow['kind']): string {
  if (kind === 'update') return 'chat.update';
  if (kind === 'ephemeral') return 'chat.postEphemeral';
  return 'chat.postMessage';
}

interface Lane {
  busy: boolean;
  /** performance.now() before which the next paced call waits. */
  nextCallAt: number;
  /** performance.now() until which Slack's Retry-After blocks the lane. */
  blockedUntil: number;
}

/**
 * The only code that calls Slack's chat methods: it delivers outbox rows in order per channel, one call
 * in flight per channel, paced, retried and coalesced, so that a crash at any point loses nothing and
 * repeats nothing.
 *
 * Every post carries `metadata: { event_type: 'pitstop_message', event_payload: { key } }`. A post that may
 * have reached Slack before a crash or a lost response is looked up by that key before it is posted again.
 *
 * One dispatcher per store delivers: it holds the store's {@link OutboxLease}. A second one started on the
 * same file waits and takes over when the first stops.
 */
export class Dispatcher {
  readonly stats: DispatcherStats = emptyStats();
  private readonly rows: OutboxRows;
  private readonly lease: OutboxLease;
  private readonly leaseTtlMs: number;
  /** Owner of the lease this dispatcher waits for; undefined while it delivers. The wait is logged once per owner. */
  private waitingFor: string | undefined;
  private readonly log: Logger;
  private readonly lanes = new Map<string, Lane>();
  private readonly timing: RetryTiming;
  private readonly failures: DeliveryFailures;
  private readonly tasks = new Set<Promise<void>>();
  /** Deliveries in progress, so that recovering in-flight rows skips the rows they claimed. */
  private readonly deliveries = new Set<DeliveryContext>();
  /** Messages whose waiting rows were logged, so each is logged once. */
  private readonly strandedNoted = new Set<string>();
  /** True when rows may have become stranded since the last check: after a start, a wake, a dead row or a while. */
  private strandedCheckDue = true;
  private polls = 0;
  private drainWaiters: { resolve: () => void; reject: (error: Error) => void }[] = [];
  private running = false;
  private active = 0;
  private pumpQueued = false;
  private refreshQueued = false;
  private timer: NodeJS.Timeout | undefined;
  private pollTimer: NodeJS.Timeout | undefined;
  /** Lanes that had pending rows at the last refresh. */
  private knownLanes: string[] | undefined;

  constructor(private readonly options: DispatcherOptions) {
    this.log = options.log.child({ component: 'dispatcher' });
    this.rows = new OutboxRows(options.db);
    this.leaseTtlMs = options.leaseTtlMs ?? 30_000;
    this.lease = new OutboxLease(options.db, this.leaseTtlMs);
    this.timing = new RetryTiming(options.retryBaseMs ?? 1000, options.maxRetryDelayMs ?? 60_000);
    this.failures = new DeliveryFailures({
      rows: this.rows,
      stats: this.stats,
      timing: this.timing,
      log: this.log,
      ephemeralAttempts: options.ephemeralAttempts ?? 5,
      onDead: () => {
        this.strandedCheckDue = true;
      },
    });
  }

  /**
   * Takes the outbox lease, recovers rows left in flight by a previous run, then starts delivering. While
   * another dispatcher holds the lease, it waits and tries again at every poll.
   */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.pollTimer = setInterval(() => {
      if (!this.keepLease()) return;
      this.polls += 1;
      if (this.polls % STRANDED_CHECK_POLLS === 0) this.strandedCheckDue = true;
      this.pump(true);
    }, this.options.pollIntervalMs ?? 1000);
    this.pollTimer.unref();
    this.log.info('dispatcher started');
    if (!this.keepLease()) return;
    this.pump(true);
  }

  /** Stops taking rows, waits for the calls in flight and releases the lease; pending drain() calls reject. */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    this.lease.abandon();
    clearTimeout(this.timer);
    clearInterval(this.pollTimer);
    await Promise.allSettled([...this.tasks]);
    try {
      if (this.options.db.open) this.lease.release();
    } catch (error) {
      this.log.warn({ err: error }, 'could not release the outbox lease; it expires by itself');
    }
    const waiters = this.drainWaiters;
    this.drainWaiters = [];
    for (const waiter of waiters) waiter.reject(new Error('dispatcher stopped before the outbox drained'));
    this.log.info({ stats: this.stats }, 'dispatcher stopped');
  }

  /** Tells the dispatcher that rows were enqueued, so it reads the outbox now instead of at the next poll. */
  wake(): void {
    this.strandedCheckDue = true;
    this.schedulePump(true);
  }

  /**
   * Resolves when no row is due, waiting for a retry or in flight. Rows that wait for a message that was
   * never posted do not hold it up. Retryable failures are retried forever, so against an unreachable
   * Slack this never resolves.
   */
  drain(): Promise<void> {
    if (!this.running) return Promise.reject(new Error('Dispatcher.drain() needs a started dispatcher: call start() first'));
    return new Promise((resolve, reject) => {
      this.drainWaiters.push({ resolve, reject });
      this.wake();
    });
  }

  /**
   * Takes or renews the lease when it runs low; returns whether this dispatcher may deliver. On taking the
   * lease it recovers the rows that a previous holder left in flight.
   */
  private keepLease(): boolean {
    if (!this.running) return false;
    let state: LeaseState;
    try {
      state = this.lease.keep();
    } catch (error) {
      this.log.error({ err: error }, 'reading the outbox lease failed; trying again at the next poll');
      return this.lease.holds(this.leaseTtlMs / 2);
    }
    if (state.kind === 'waiting') {
      this.noteWaiting(state.holder, state.lost);
      return false;
    }
    if (state.kind === 'taken') {
      if (this.waitingFor !== undefined) this.log.info('took over the outbox lease; delivering');
      if (state.previous === 'lapsed') this.log.warn('the outbox lease expired before it was renewed, because the event loop was blocked; took it again');
      this.waitingFor = undefined;
      this.recoverInflight();
    }
    return true;
  }

  private noteWaiting(holder: LeaseHolder, lost: boolean): void {
    if (this.waitingFor === holder.owner) return;
    this.waitingFor = holder.owner;
    const where = { holderPid: holder.pid, holderHost: holder.host, expiresAt: new Date(holder.expiresAt).toISOString() };
    if (lost) {
      this.log.error(where, 'another dispatcher took over the outbox lease; this one stopped delivering');
      return;
    }
    this.log.warn(
      where,
      `another dispatcher (pid ${holder.pid} on ${holder.host}) delivers from this store; ` +
        'this one waits and takes over when it stops. Stop one of them unless a standby is intended',
    );
  }

  /** Returns rows left in flight to pending, except those that this dispatcher's own calls still hold. */
  private recoverInflight(): void {
    const own = new Set([...this.deliveries].map((delivery) => delivery.claimed?.id));
    for (const row of this.rows.inflight()) {
      if (own.has(row.id)) continue;
      if (row.kind === 'ephemeral') {
        this.failures.markDead(row, 'in flight when the dispatcher stopped; not sent again because Slack cannot tell whether it arrived');
        continue;
      }
      const uncertain = row.kind === 'post' || row.kind === 'reply';
      this.rows.resetInflight(row.id, uncertain);
      this.log.info({ outboxId: row.id, messageKey: row.messageKey, kind: row.kind }, 'resuming a row left in flight');
    }
  }

  /**
   * Launches the first ready row of every idle lane and schedules the next look. `refreshLanes` re-reads
   * which lanes have pending rows; only enqueues (wake, poll) add lanes, so completions skip that read.
   */
  private pump(refreshLanes = false): void {
    if (!this.running || this.waitingFor !== undefined) return;
    clearTimeout(this.timer);
    if (!this.keepLease()) return;
    const nowIso = this.options.clock.now().toISOString();
    const now = performance.now();
    let nextLookAt = Number.POSITIVE_INFINITY;
    let pending = 0;
    try {
      if (refreshLanes || this.knownLanes === undefined) this.knownLanes = this.refreshLanes();
      for (const key of this.knownLanes) {
        const lane = this.lane(key);
        if (lane.busy) continue;
        const head = this.rows.laneHead(key, nowIso);
        if (!head) continue;
        pending += 1;
        const readyAt = Math.max(lane.nextCallAt, lane.blockedUntil, this.timing.readyAt(head.id, methodOf(head.kind)));
        if (readyAt > now) nextLookAt = Math.min(nextLookAt, readyAt);
        else if (this.active < (this.options.maxConcurrentCalls ?? 4) && this.lease.holds(this.leaseTtlMs / 2)) this.launch(lane, head.id);
      }
    } catch (error) {
      this.log.error({ err: error }, 'reading the outbox failed; trying again at the next poll');
      return;
    }
    if (pending === 0 && this.active === 0) {
      if (this.strandedCheckDue && this.settleStranded()) {
        this.schedulePump(true);
        return;
      }
      this.resolveDrain();
    }
    if (nextLookAt < Number.POSITIVE_INFINITY) this.timer = setTimeout(() => this.pump(), nextLookAt - now);
  }

  /**
   * Settles rows that wait for a message no pending post creates (see {@link settleStranded}). Returns true
   * when it revived a post, which the next pump delivers.
   */
  private settleStranded(): boolean {
    this.strandedCheckDue = false;
    try {
      const outcome = settleStranded(this.rows, this.options.clock.now().toISOString(), this.log, this.strandedNoted);
      this.stats.dead += outcome.dead;
      return outcome.revived > 0;
    } catch (error) {
      this.log.error({ err: error }, 'reading the outbox for waiting rows failed');
      return false;
    }
  }

  /** Returns the lanes with pending rows plus the busy ones, whose row may return to pending. */
  private refreshLanes(): string[] {
    const lanes = new Set(this.rows.lanes());
    for (const [key, lane] of this.lanes) if (lane.busy) lanes.add(key);
    return [...lanes];
  }

  /** Pumps once on the next turn of the event loop, however many completions or wakes ask for it meanwhile. */
  private schedulePump(refreshLanes: boolean): void {
    if (!this.running) return;
    this.refreshQueued ||= refreshLanes;
    if (this.pumpQueued) return;
    this.pumpQueued = true;
    setImmediate(() => {
      const refresh = this.refreshQueued;
      this.pumpQueued = false;
      this.refreshQueued = false;
      this.pump(refresh);
    });
  }

  private lane(key: string): Lane {
    let lane = this.lanes.get(key);
    if (!lane) {
      lane = { busy: false, nextCallAt: 0, blockedUntil: 0 };
      this.lanes.set(key, lane);
    }
    return lane;
  }

  private launch(lane: Lane, id: number): void {
    lane.busy = true;
    this.active += 1;
    const task = this.run(lane, id).finally(() => {
      lane.busy = false;
      this.active -= 1;
      this.tasks.delete(task);
      this.schedulePump(false);
    });
    this.tasks.add(task);
  }

  private async run(lane: Lane, id: number): Promise<void> {
    let row: OutboxRow | undefined;
    try {
      row = this.rows.get(id);
    } catch (error) {
      this.failures.settleUnreadable(id, error);
      return;
    }
    if (!row || row.state !== 'pending') return;
    const interval = this.options.minIntervalMsPerChannel ?? 1000;
    const ctx: DeliveryContext = {
      client: this.options.client,
      rows: this.rows,
      clock: this.options.clock,
      log: this.log,
      stats: this.stats,
      claimed: undefined,
      paced: () => {
        lane.nextCallAt = performance.now() + interval;
      },
    };
    this.deliveries.add(ctx);
    try {
      await deliver(row, ctx);
      this.timing.forget(row.id);
      if (this.timing.resume()) this.log.info('Slack accepted the bot token again; delivery resumed');
    } catch (error) {
      this.failures.settle(lane, ctx.claimed ?? row, error);
    } finally {
      this.deliveries.delete(ctx);
    }
  }

  private resolveDrain(): void {
    const waiters = this.drainWaiters;
    this.drainWaiters = [];
    for (const waiter of waiters) waiter.resolve();
  }
}
