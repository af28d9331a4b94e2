import { benchAlerts } from './alerts.js';
import { benchCoalescing, benchRateLimitBurst } from './dispatcher.js';
import type { CaseResult } from './measure.js';
import { benchParse } from './parse.js';
import { benchValidations } from './validations.js';
import { benchWatch } from './watch.js';

export interface BenchCase {
  id: string;
  run(): Promise<CaseResult>;
}

/**
 * The cases `npm run bench` runs, in order, at the sizes the results page reports. Run counts are small so that the
 * whole bench finishes in about two minutes on two cores. The dispatcher cases run once, because Slack's rate limit
 * and the dispatcher's pacing set their times, not the CPU.
 */
export const BENCH_CASES: readonly BenchCase[] = [
  { id: 'parse', run: async () => benchParse({ parses: 100_000, runs: 3 }) },
  { id: 'alerts-5000', run: async () => benchAlerts({ pendingPods: 5_000, nodes: 500, runs: 5 }) },
  { id: 'alerts-50000', run: async () => benchAlerts({ pendingPods: 50_000, nodes: 500, runs: 3 }) },
  { id: 'validations', run: async () => benchValidations({ nodes: 10_000, runs: 5 }) },
  { id: 'dispatcher-coalesce', run: () => benchCoalescing({ messages: 50, updates: 1_000, channels: 10, roundIntervalMs: 200 }) },
  { id: 'dispatcher-429', run: () => benchRateLimitBurst({ channels: 10, postsPerChannel: 8 }) },
  { id: 'watch', run: () => benchWatch({ nodes: 5_000, pendingPods: 20_000, runs: 3 }) },
];
