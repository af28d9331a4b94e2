import { describe, expect, it } from 'vitest';
import { benchAlerts } from '../src/bench/alerts.js';
import { benchCoalescing, benchRateLimitBurst } from '../src/bench/dispatcher.js';
import { planNodeStates } from '../src/bench/fixture-nodes.js';
import { planWorkloads } from '../src/bench/fixture-pods.js';
import type { CaseResult } from '../src/bench/measure.js';
import { median } from '../src/bench/measure.js';
import { benchParse } from '../src/bench/parse.js';
import { formatFailures, formatTable } from '../src/bench/report.js';
import { benchValidations } from '../src/bench/validations.js';
import { benchWatch } from '../src/bench/watch.js';

/** Checks the shape of a result. The bench's own checks tell whether the measured code did its job. */
function expectWorkingCase(result: CaseResult, id: string): void {
  expect(result.id).toBe(id);
  expect(result.metrics.length).toBeGreaterThan(0);
  for (const metric of result.metrics) expect(Number.isFinite(metric.value), metric.name).toBe(true);
  expect(result.memory.peakRssMiB).toBeGreaterThan(0);
  expect(formatFailures([result])).toBe('');
}

function metric(result: CaseResult, name: string): number {
  const found = result.metrics.find((entry) => entry.name === name);
  if (!found) throw new Error(`no metric "${name}" in ${result.metrics.map((entry) => entry.name).join(', ')}`);
  return found.value;
}

describe('bench fixtures', () => {
  it('node plan has the requested states', () => {
    const states = planNodeStates(100, { cordoned: 24, 'not-ready': 4 });
    expect(states).toHaveLength(100);
    expect(states.filter((state) => state === 'cordoned')).toHaveLength(24);
    expect(states.filter((state) => state === 'not-ready')).toHaveLength(4);
    expect(planNodeStates(100, { cordoned: 24 })).toEqual(planNodeStates(100, { cordoned: 24 }));
  });

  it('node plan rejects more states than nodes', () => {
    expect(() => planNodeStates(10, { cordoned: 11 })).toThrow(/more than the 10 nodes/);
  });

  it('workload plan covers every pod once', () => {
    const workloads = planWorkloads(1234);
    expect(workloads.reduce((sum, workload) => sum + workload.pods, 0)).toBe(1234);
    const names = workloads.map((workload) => `${workload.namespace}/${workload.name}`);
    expect(new Set(names).size).toBe(names.length);
  });

  it('median of odd and even counts', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(() => median([])).toThrow(/no values/);
  });
});

describe('bench cases on small sizes', () => {
  it('parse reads the corpus', () => {
    const result = benchParse({ parses: 500, runs: 1, parsesPerMessage: 2 });
    expectWorkingCase(result, 'parse');
    expect(metric(result, 'throughput')).toBeGreaterThan(0);
  });

  it('alerts open, update and stay under limits', () => {
    const result = benchAlerts({ pendingPods: 300, nodes: 50, runs: 2 });
    expectWorkingCase(result, 'alerts-300');
    expect(metric(result, 'alerts (groups of cluster, team, cause)')).toBeGreaterThan(1);
    expect(metric(result, 'largest message: blocks')).toBeLessThanOrEqual(50);
  });

  it('validations judge every node', () => {
    const result = benchValidations({ nodes: 200, runs: 1 });
    expectWorkingCase(result, 'validations');
    expect(metric(result, 'verdict ready') + metric(result, 'verdict not_ready') + metric(result, 'verdict unknown')).toBe(200);
  });

  it('dispatcher coalesces updates', async () => {
    const result = await benchCoalescing({ messages: 4, updates: 12, channels: 2, roundIntervalMs: 50 });
    expectWorkingCase(result, 'dispatcher-coalesce');
    expect(metric(result, 'updates enqueued')).toBe(12);
    expect(metric(result, 'chat.update calls made')).toBeLessThan(12);
  });

  it('dispatcher rides out a 429 burst', async () => {
    const result = await benchRateLimitBurst({ channels: 2, postsPerChannel: 4 });
    expectWorkingCase(result, 'dispatcher-429');
    expect(metric(result, 'pacing off: HTTP 429 responses')).toBeGreaterThan(0);
  });

  it('watch syncs from a stand-in in a child process', async () => {
    const result = await benchWatch({ nodes: 20, pendingPods: 60, runs: 1 });
    expectWorkingCase(result, 'watch');
  });

  it('table lists every figure', () => {
    const result = benchValidations({ nodes: 20, runs: 1 });
    const table = formatTable([result]).split('\n');
    expect(table[0]).toMatch(/^\| case +\| figure +\| +value \| unit +\|$/);
    // Header, rule, one row per metric, and the peak RSS and heap rows.
    expect(table).toHaveLength(2 + result.metrics.length + 2);
  });
});
