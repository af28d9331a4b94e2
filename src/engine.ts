import type { KubeConfig } from '@kubernetes/client-node';
import type { Clock } from './clock.js';
import type { Secrets } from './config/load.js';
import type { PitstopConfig } from './config/schema.js';
import type { PitstopContext } from './context.js';
import { JobScheduler, RULES, scheduledJobs, type ScheduledJob } from './jobs/index.js';
import { loadKubeConfig } from './k8s/kubeconfig.js';
import { createFleetWatch, createFleetWriter, type FleetWatch, type WatchedCluster } from './k8s/watch.js';
import type { Logger } from './log.js';
import { syncConfiguredMaintenances } from './maintenance/lifecycle.js';
import { createSlackApp, type SlackApp } from './slack/app.js';
import { createDispatchClient } from './slack/client.js';
import { Dispatcher, type DispatcherOptions } from './slack/dispatcher.js';
import { awaitStartStep, listenError, storeOpenError } from './start-steps.js';
import { openStore, type Db } from './store/db.js';
import { startNoticeIntake, type NoticeIntake } from './vendors/intake.js';

export interface EngineOptions {
  config: PitstopConfig;
  secrets: Secrets;
  clock: Clock;
  log: Logger;
  /** KubeConfig per cluster name; built from each cluster's `kubeconfig` and `context` when omitted. */
  kubeConfigs?: Map<string, KubeConfig>;
  /** Web API root; defaults to `config.slack.apiUrl`. */
  slackApiUrl?: string;
  /** Address and port of the HTTP receiver; default `0.0.0.0` and `config.slack.port`. */
  host?: string;
  port?: number;
  /**
   * `real` (default): rules run on a timer and shortly after fleet changes or Slack actions. `manual`: the
   * caller drives time and calls `reconcile`, `tick` or `settle` itself, as a replay on virtual time does.
   */
  timers?: 'real' | 'manual';
  /** Interval of the periodic rule pass with real timers; default 30 s. */
  tickMs?: number;
  /** Quiet time after the last fleet change before a rule pass; default 250 ms. */
  debounceMs?: number;
  /** Cron jobs; default {@link scheduledJobs} of the config. */
  jobs?: ScheduledJob[];
  /** Pacing and retry settings of the outbox dispatcher; Slack's documented limits by default. */
  dispatcher?: Pick<DispatcherOptions, 'minIntervalMsPerChannel' | 'maxConcurrentCalls' | 'retryBaseMs' | 'maxRetryDelayMs'>;
  /**
   * Aborts the start-up: `startEngine` then stops what started, closes the store and rejects with a
   * `StartAbortedError` (src/start-steps.ts). Checked until the parts have started; call `stop()` after that.
   */
  signal?: AbortSignal;
}

/** A running Pitstop: the fleet watch, the rules, the outbox dispatcher and the Slack app, wired together. */
export interface Engine {
  ctx: PitstopContext;
  db: Db;
  dispatcher: Dispatcher;
  slack: SlackApp;
  fleet: FleetWatch;
  /** Runs one rule pass (alerts, escalation, maintenances), then wakes the dispatcher. Passes never overlap. */
  reconcile(): Promise<void>;
  /** Runs the cron jobs that fell due on the context's clock since the last tick, then a rule pass. */
  tick(): Promise<void>;
  /** Ticks, then delivers the whole outbox; repeats while a Slack action or job requested another pass meanwhile. */
  settle(): Promise<void>;
  /** Rule passes that threw, by rule name; each failure is also logged. */
  readonly ruleErrors: ReadonlyMap<string, number>;
  stop(): Promise<void>;
}

/** The engine's parts, created but not started. */
interface Parts {
  ctx: PitstopContext;
  fleet: FleetWatch;
  slack: SlackApp;
  dispatcher: Dispatcher;
  scheduler: JobScheduler;
  runner: RulePasses;
}

/** Creates every part and the context they share. Nothing connects anywhere yet, but the store file is open. */
function createParts(options: EngineOptions): Parts {
  const { config } = options;
  const clusters = config.clusters.map((cluster) => ({
    name: cluster.name,
    kubeConfig: options.kubeConfigs?.get(cluster.name) ?? loadKubeConfig(cluster),
  }));
  let db: Db;
  try {
    db = openStore(config.store.path);
  } catch (error) {
    throw storeOpenError(config.store.path, error);
  }
  try {
    return createConnectedParts(options, db, clusters);
  } catch (error) {
    db.close();
    throw error;
  }
}

function createConnectedParts(options: EngineOptions, db: Db, clusters: WatchedCluster[]): Parts {
  const { config, clock, log } = options;
  const fleet = createFleetWatch({ clusters, gpuOperatorNamespace: config.validation.gpuOperatorNamespace, log });
  const runner = new RulePasses(log);
  const ctx: PitstopContext = {
    config,
    db,
    clock,
    fleet,
    ...(config.maintenance.allowClusterWrites ? { writer: createFleetWriter(clusters) } : {}),
    log,
    requestReconcile: () => runner.request(),
  };
  const slackApiUrl = options.slackApiUrl ?? config.slack.apiUrl;
  const slack = createSlackApp(ctx, {
    botToken: options.secrets.slackBotToken,
    ...(options.secrets.slackSigningSecret !== undefined ? { signingSecret: options.secrets.slackSigningSecret } : {}),
    ...(options.secrets.slackAppToken !== undefined ? { appToken: options.secrets.slackAppToken } : {}),
    slackApiUrl,
    port: options.port ?? config.slack.port,
    ...(options.host !== undefined ? { host: options.host } : {}),
  });
  const client = createDispatchClient({ botToken: options.secrets.slackBotToken, slackApiUrl, log });
  const dispatcher = new Dispatcher({ db, client, clock, log, ...options.dispatcher });
  const scheduler = new JobScheduler(ctx, options.jobs ?? scheduledJobs(config), (job, error) =>
    log.error({ err: error, job: job.name }, 'scheduled job failed'),
  );
  runner.bind(ctx, dispatcher);
  return { ctx, fleet, slack, dispatcher, scheduler, runner };
}

/**
 * Syncs the configured maintenances, then starts the parts that connect: the fleet watch (waiting for its
 * first list), the dispatcher, the Slack app and the notice intake. Returns the stops, last started first.
 * On a failure, or when `options.signal` aborts, it stops what started and closes the store.
 */
async function startParts(parts: Parts, options: EngineOptions): Promise<(() => Promise<void> | void)[]> {
  const { ctx, fleet, dispatcher, slack } = parts;
  const { signal } = options;
  const stops: (() => Promise<void> | void)[] = [() => void ctx.db.close()];
  try {
    const synced = syncConfiguredMaintenances(ctx);
    ctx.log.info({ maintenances: synced }, 'configured maintenances synced');
    // Registered before start, because the watches keep retrying after a failed first sync.
    stops.unshift(() => fleet.stop());
    await awaitStartStep(fleet.start(), signal, () => undefined);
    dispatcher.start();
    stops.unshift(() => dispatcher.stop());
    const slackPort = options.port ?? ctx.config.slack.port;
    await awaitStartStep(
      slack.start().catch((error: unknown) => Promise.reject(listenError('slack.port', slackPort, error))),
      signal,
      () => slack.stop(),
    );
    stops.unshift(() => slack.stop());
    const noticePort = ctx.config.notices.port;
    if (noticePort !== undefined) {
      const intake: NoticeIntake = await awaitStartStep(
        startNoticeIntake(ctx, { port: noticePort }).catch((error: unknown) =>
          Promise.reject(listenError('notices.port', noticePort, error)),
        ),
        signal,
        (late) => late.close(),
      );
      stops.unshift(() => intake.close());
    }
  } catch (error) {
    await runStops(stops, ctx.log);
    throw error;
  }
  return stops;
}

/**
 * Starts the engine: opens the store, syncs the configured maintenances, starts the fleet watch and waits
 * for its first list, starts the dispatcher and the Slack app, and the vendor notice intake when
 * `notices.port` is set. Then runs a first rule pass.
 */
export async function startEngine(options: EngineOptions): Promise<Engine> {
  const manual = options.timers === 'manual';
  const parts = createParts(options);
  const { ctx, fleet, slack, dispatcher, scheduler, runner } = parts;
  const stops = await startParts(parts, options);
  // Stops run first to last: timers, then cron tasks, then the pass in progress, then the parts.
  stops.unshift(() => scheduler.stop(), () => runner.idle());
  if (!manual) stops.unshift(startTimers(options, fleet, runner, scheduler));
  await runner.pass();
  ctx.log.info({ clusters: ctx.config.clusters.map((cluster) => cluster.name), timers: manual ? 'manual' : 'real' }, 'engine started');

  return {
    ctx,
    db: ctx.db,
    dispatcher,
    slack,
    fleet,
    reconcile: () => runner.pass(),
    async tick() {
      await scheduler.runDue();
      await runner.pass();
    },
    async settle() {
      do {
        runner.clearRequest();
        await scheduler.runDue();
        await runner.pass();
        await dispatcher.drain();
      } while (runner.requested);
    },
    get ruleErrors() {
      return runner.errors;
    },
    async stop() {
      await runStops(stops, ctx.log);
      ctx.log.info('engine stopped');
    },
  };
}

/** Wires the real-time triggers: fleet changes (debounced), Slack actions (debounced), the periodic pass and cron. */
function startTimers(options: EngineOptions, fleet: FleetWatch, runner: RulePasses, scheduler: JobScheduler): () => void {
  const debounceMs = options.debounceMs ?? 250;
  // Under constant churn the quiet time never comes, so a pass runs at the latest this long after the
  // first change it waits for.
  const maxWaitMs = debounceMs * 8;
  let debounce: NodeJS.Timeout | undefined;
  let waitingSince: number | null = null;
  const run = () => {
    debounce = undefined;
    waitingSince = null;
    void runner.pass();
  };
  const soon = () => {
    const now = Date.now();
    waitingSince ??= now;
    if (debounce) clearTimeout(debounce);
    debounce = setTimeout(run, Math.max(0, Math.min(debounceMs, waitingSince + maxWaitMs - now)));
  };
  runner.onRequest(soon);
  const unsubscribe = fleet.onChange(soon);
  const interval = setInterval(() => void runner.pass(), options.tickMs ?? 30_000);
  scheduler.startTimers();
  return () => {
    unsubscribe();
    clearInterval(interval);
    if (debounce) clearTimeout(debounce);
    runner.onRequest(undefined);
  };
}

async function runStops(stops: (() => Promise<void> | void)[], log: Logger): Promise<void> {
  for (const stop of stops.splice(0)) {
    try {
      await stop();
    } catch (error) {
      log.error({ err: error }, 'stopping part of the engine failed');
    }
  }
}

/**
 * Serializes rule passes: a pass requested while one runs is queued once, and further requests join that
 * queued pass, so a burst of fleet changes causes at most one extra pass.
 */
class RulePasses {
  private current: Promise<void> = Promise.resolve();
  private queued: Promise<void> | null = null;
  private ctx: PitstopContext | undefined;
  private dispatcher: Dispatcher | undefined;
  private requestListener: (() => void) | undefined;
  requested = false;
  readonly errors = new Map<string, number>();

  constructor(private readonly log: Logger) {}

  bind(ctx: PitstopContext, dispatcher: Dispatcher): void {
    this.ctx = ctx;
    this.dispatcher = dispatcher;
  }

  onRequest(listener: (() => void) | undefined): void {
    this.requestListener = listener;
  }

  /** Called through `ctx.requestReconcile`: remembered for `settle`, and with real timers, a pass soon. */
  request(): void {
    this.requested = true;
    this.requestListener?.();
  }

  clearRequest(): void {
    this.requested = false;
  }

  pass(): Promise<void> {
    if (this.queued) return this.queued;
    const next = this.current.then(() => {
      this.queued = null;
      return this.runRules();
    });
    this.queued = next;
    this.current = next;
    return next;
  }

  /** Resolves when no pass runs or waits. */
  async idle(): Promise<void> {
    await this.current;
  }

  private async runRules(): Promise<void> {
    const ctx = this.ctx;
    if (!ctx) throw new Error('rule pass before the engine was wired');
    for (const rule of RULES) {
      try {
        await rule.run(ctx);
      } catch (error) {
        this.errors.set(rule.name, (this.errors.get(rule.name) ?? 0) + 1);
        this.log.error({ err: error, rule: rule.name }, 'rule failed; the next pass retries it');
      }
    }
    this.dispatcher?.wake();
  }
}
