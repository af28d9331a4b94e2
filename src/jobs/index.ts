import { createTask, validate as validateCron, type ScheduledTask } from 'node-cron';
import { reconcileAlerts } from '../alerts/reconcile.js';
import type { PitstopConfig } from '../config/schema.js';
import type { PitstopContext } from '../context.js';
import { pollICalFeeds } from '../vendors/ical-feeds.js';
import { escalateOverdueAlerts } from './escalation.js';
import { reconcileNodeSignals } from './node-signals.js';
import { reconcileMaintenances } from './maintenance.js';

/** One step of a rule pass: derives what channels should show from state and enqueues the difference. */
export interface Rule {
  name: string;
  run(ctx: PitstopContext): void | Promise<void>;
}

/**
 * The rules, in the order one pass runs them. Each is idempotent: with unchanged state and clock a second
 * pass enqueues nothing, so the engine may run passes as often as it likes.
 */
export const RULES: readonly Rule[] = [
  // First, so the maintenances that node signals create are linked and announced in the same pass.
  { name: 'node-signals', run: reconcileNodeSignals },
  { name: 'alerts', run: reconcileAlerts },
  { name: 'escalation', run: escalateOverdueAlerts },
  { name: 'maintenances', run: reconcileMaintenances },
];

/** A job with a cron schedule of its own, such as a channel's digest. */
export interface ScheduledJob {
  name: string;
  /** A node-cron expression: five fields, or six with seconds first. */
  cron: string;
  /** IANA time zone the expression is read in; UTC when unset. */
  timezone?: string;
  run(ctx: PitstopContext): void | Promise<void>;
}

/** How often `notices.icalFeeds` are fetched: every quarter hour. */
export const ICAL_FEED_CRON = '*/15 * * * *';

/** Lists the cron jobs of a config: the iCalendar feed poll when feeds are configured. */
export function scheduledJobs(config: PitstopConfig): ScheduledJob[] {
  const jobs: ScheduledJob[] = [];
  if (config.notices.icalFeeds.length > 0) {
    jobs.push({
      name: 'ical-feeds',
      cron: ICAL_FEED_CRON,
      run: async (ctx) => {
        const results = await pollICalFeeds(ctx);
        ctx.log.info({ feeds: results.map((result) => ({ url: result.url, outcome: result.outcome })) }, 'iCalendar feeds polled');
      },
    });
  }
  return jobs;
}

const MINUTE_MS = 60_000;

/**
 * Runs cron jobs, on real timers through node-cron or on the context's clock when the caller drives time
 * (replays). On the clock, `runDue()` runs each job once for every scheduled minute since the last call,
 * at most once per call, so a jump of a day runs a daily job once and an hourly job once, not 24 times.
 */
export class JobScheduler {
  private readonly tasks: { job: ScheduledJob; task: ScheduledTask }[];
  private lastRun: Date;

  constructor(
    private readonly ctx: PitstopContext,
    jobs: readonly ScheduledJob[],
    private readonly onError: (job: ScheduledJob, error: unknown) => void,
  ) {
    this.tasks = jobs.map((job) => {
      if (!validateCron(job.cron)) throw new Error(`job ${job.name}: invalid cron expression "${job.cron}"`);
      const task = createTask(job.cron, () => this.runJob(job), { name: job.name, timezone: job.timezone ?? 'UTC', noOverlap: true });
      return { job, task };
    });
    this.lastRun = ctx.clock.now();
  }

  /** Starts node-cron's timers (for `pitstop run`). */
  startTimers(): void {
    for (const { task } of this.tasks) void task.start();
  }

  async stop(): Promise<void> {
    for (const { task } of this.tasks) await task.destroy();
  }

  /** Runs every job whose schedule matched a minute in (last call, now] on the context's clock. */
  async runDue(): Promise<void> {
    const now = this.ctx.clock.now();
    const due = this.tasks.filter(({ task }) => this.matchedSince(task, now));
    this.lastRun = now;
    for (const { job } of due) await this.runJob(job);
  }

  private matchedSince(task: ScheduledTask, now: Date): boolean {
    const first = Math.floor(this.lastRun.getTime() / MINUTE_MS) + 1;
    const last = Math.floor(now.getTime() / MINUTE_MS);
    for (let minute = first; minute <= last; minute += 1) {
      if (task.match(new Date(minute * MINUTE_MS))) return true;
    }
    return false;
  }

  /** Runs a job, then requests a rule pass, because a job changes state the rules read. */
  private async runJob(job: ScheduledJob): Promise<void> {
    try {
      await job.run(this.ctx);
      this.ctx.requestReconcile();
    } catch (error) {
      this.onError(job, error);
    }
  }
}
