import { describe, expect, it } from 'vitest';
import { ManualClock } from '../src/clock.js';
import type { PitstopContext } from '../src/context.js';
import { stringify } from 'yaml';
import { parseConfig } from '../src/config/load.js';
import { ICAL_FEED_CRON, JobScheduler, RULES, scheduledJobs, type ScheduledJob } from '../src/jobs/index.js';

function schedulerWith(clock: ManualClock, jobs: ScheduledJob[], errors: string[] = []): JobScheduler {
  const ctx = { clock, requestReconcile: () => undefined } as unknown as PitstopContext;
  return new JobScheduler(ctx, jobs, (job, error) => errors.push(`${job.name}: ${(error as Error).message}`));
}

describe('jobs on virtual time', () => {
  it('runs a cron job once per call when its minute passed', async () => {
    const clock = new ManualClock('2025-06-10T08:30:00Z');
    const runs: string[] = [];
    const scheduler = schedulerWith(clock, [{ name: 'hourly', cron: '0 * * * *', run: (ctx) => void runs.push(ctx.clock.now().toISOString()) }]);
    await scheduler.runDue();
    expect(runs).toEqual([]);
    clock.set('2025-06-10T08:59:00Z');
    await scheduler.runDue();
    expect(runs).toEqual([]);
    clock.set('2025-06-10T09:00:00Z');
    await scheduler.runDue();
    expect(runs).toEqual(['2025-06-10T09:00:00.000Z']);
    clock.set('2025-06-10T09:30:00Z');
    await scheduler.runDue();
    expect(runs.length).toBe(1);
    clock.set('2025-06-11T09:30:00Z');
    await scheduler.runDue();
    expect(runs.length).toBe(2);
    await scheduler.stop();
  });

  it('reads the cron expression in the job time zone', async () => {
    const clock = new ManualClock('2025-06-10T06:50:00Z');
    const runs: string[] = [];
    const scheduler = schedulerWith(clock, [
      { name: 'berlin-morning', cron: '0 9 * * *', timezone: 'Europe/Berlin', run: (ctx) => void runs.push(ctx.clock.now().toISOString()) },
    ]);
    clock.set('2025-06-10T07:00:00Z');
    await scheduler.runDue();
    expect(runs).toEqual(['2025-06-10T07:00:00.000Z']);
    await scheduler.stop();
  });

  it('reports a failing job and keeps running the others', async () => {
    const clock = new ManualClock('2025-06-10T08:59:00Z');
    const errors: string[] = [];
    let ran = 0;
    const scheduler = schedulerWith(
      clock,
      [
        { name: 'broken', cron: '* * * * *', run: () => { throw new Error('digest query failed'); } },
        { name: 'fine', cron: '* * * * *', run: () => void (ran += 1) },
      ],
      errors,
    );
    clock.set('2025-06-10T09:00:00Z');
    await scheduler.runDue();
    expect(errors).toEqual(['broken: digest query failed']);
    expect(ran).toBe(1);
    await scheduler.stop();
  });

  it('rejects an invalid cron expression by job name', () => {
    const clock = new ManualClock('2025-06-10T08:00:00Z');
    expect(() => schedulerWith(clock, [{ name: 'digest', cron: 'every morning', run: () => undefined }])).toThrow(
      'job digest: invalid cron expression "every morning"',
    );
  });

  it('runs the rules in a fixed order', () => {
    expect(RULES.map((rule) => rule.name)).toEqual(['node-signals', 'alerts', 'escalation', 'maintenances']);
  });
});

describe('scheduled jobs of a config', () => {
  const base = { clusters: [{ name: 'east', vendor: 'aws', context: 'east', channel: 'C0EAST' }] };

  it('polls iCalendar feeds only when some are configured', () => {
    expect(scheduledJobs(parseConfig(stringify(base)))).toEqual([]);
    const withFeeds = parseConfig(stringify({ ...base, notices: { icalFeeds: [{ url: 'https://status.example.com/maint.ics', vendor: 'oci' }] } }));
    expect(scheduledJobs(withFeeds).map((job) => [job.name, job.cron])).toEqual([['ical-feeds', ICAL_FEED_CRON]]);
  });
});
