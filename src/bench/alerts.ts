import { groupPendingPods } from '../alerts/grouping.js';
import { reconcileAlerts } from '../alerts/reconcile.js';
import { renderAlert } from '../alerts/render.js';
import { listOpenAlerts, type Alert } from '../alerts/store.js';
import type { PodView } from '../k8s/views.js';
import { blockTextLength, checkMessageLimits, LIMITS } from '../slack/messages/common.js';
import type { Db } from '../store/db.js';
import type { MessagePayload } from '../store/outbox.js';
import { benchConfig, BENCH_CLUSTER, buildAlertFleet, openAlertContext, type AlertBenchContext, type AlertFleet } from './alert-fleet.js';
import { BENCH_NOW } from './fixture-nodes.js';
import { check, MemoryProbe, median, significant, timeCall, type CaseCheck, type CaseResult, type Metric } from './measure.js';

export interface AlertBenchOptions {
  pendingPods: number;
  nodes: number;
  /** Runs of each timed step; the first reconcile runs at most 3 times, each on a fresh store. */
  runs: number;
}

/** Time the engine's reconcile loop lets pass between two reconciles; the clock moves by this much each time. */
const RECONCILE_STEP_MS = 30_000;

interface MessageSizes {
  messages: number;
  maxBlockText: number;
  maxBlocks: number;
  maxFallbackText: number;
  problems: string[];
}

function outboxPayloads(db: Db): MessagePayload[] {
  return db
    .prepare<[], { payload: string }>('SELECT payload FROM outbox ORDER BY id')
    .all()
    .map((row) => JSON.parse(row.payload) as MessagePayload);
}

function outboxCount(db: Db): number {
  return db.prepare<[], { count: number }>('SELECT COUNT(*) AS count FROM outbox').get()!.count;
}

function measureSizes(payloads: MessagePayload[]): MessageSizes {
  const sizes: MessageSizes = { messages: payloads.length, maxBlockText: 0, maxBlocks: 0, maxFallbackText: 0, problems: [] };
  for (const payload of payloads) {
    const blocks = payload.blocks ?? [];
    sizes.maxBlockText = Math.max(sizes.maxBlockText, blockTextLength(blocks));
    sizes.maxBlocks = Math.max(sizes.maxBlocks, blocks.length);
    sizes.maxFallbackText = Math.max(sizes.maxFallbackText, payload.text.length);
    sizes.problems.push(...checkMessageLimits(payload));
  }
  return sizes;
}

/** Returns the pods without every tenth workload's, as the fleet is after some of the pending work was scheduled. */
function withoutEveryTenthWorkload(fleet: AlertFleet): PodView[] {
  const dropped = new Set(fleet.workloads.filter((_, index) => index % 10 === 0).map((workload) => `${workload.namespace}/${workload.name}`));
  return fleet.pods.filter((pod) => !dropped.has(`${pod.namespace}/${pod.labels.app}`));
}

/** Times the first reconcile on fresh stores; returns the median and the context of the last run, still open. */
function timeFirstReconcile(fleet: AlertFleet, runs: number): { wall: number; ctx: AlertBenchContext } {
  const config = benchConfig();
  const times: number[] = [];
  let ctx = openAlertContext(fleet, config);
  for (let run = 0; run < runs; run += 1) {
    if (run > 0) {
      ctx.dispose();
      ctx = openAlertContext(fleet, config);
    }
    times.push(timeCall(() => reconcileAlerts(ctx)));
  }
  return { wall: median(times), ctx };
}

/** Times reconciles that each see a change: the pods alternate between the full fleet and a smaller one. */
function timeChangedReconciles(ctx: AlertBenchContext, fleet: AlertFleet, runs: number): { wall: number; enqueued: number } {
  const smaller = withoutEveryTenthWorkload(fleet);
  const times: number[] = [];
  const before = outboxCount(ctx.db);
  for (let run = 0; run < runs; run += 1) {
    ctx.fleet.pods = run % 2 === 0 ? smaller : fleet.pods;
    ctx.clock.advance(RECONCILE_STEP_MS);
    times.push(timeCall(() => reconcileAlerts(ctx)));
  }
  ctx.fleet.pods = fleet.pods;
  return { wall: median(times), enqueued: (outboxCount(ctx.db) - before) / runs };
}

interface AlertTimings {
  grouping: number;
  first: number;
  unchanged: number;
  enqueuedWhenUnchanged: number;
  changed: { wall: number; enqueued: number };
  rendering: number;
}

/** Times the steps after the first reconcile on its store: unchanged and changed reconciles, then rendering. */
function timeLaterSteps(ctx: AlertBenchContext, fleet: AlertFleet, runs: number): Omit<AlertTimings, 'grouping' | 'first'> {
  const settled = outboxCount(ctx.db);
  const unchanged = median(
    Array.from({ length: runs }, () => {
      ctx.clock.advance(RECONCILE_STEP_MS);
      return timeCall(() => reconcileAlerts(ctx));
    }),
  );
  const enqueuedWhenUnchanged = outboxCount(ctx.db) - settled;
  // An even count ends on the full fleet, where the first reconcile started.
  const changed = timeChangedReconciles(ctx, fleet, Math.max(2, runs - (runs % 2)));
  const alerts = listOpenAlerts(ctx.db, BENCH_CLUSTER);
  const rendering = median(Array.from({ length: runs }, () => timeCall(() => alerts.forEach((alert) => renderAlert(ctx.config, alert)))));
  return { unchanged, enqueuedWhenUnchanged, changed, rendering };
}

function alertMetrics(options: AlertBenchOptions, timings: AlertTimings, alerts: Alert[], sizes: MessageSizes): Metric[] {
  return [
    { name: `group ${options.pendingPods.toLocaleString('en-US')} pods (groupPendingPods)`, value: significant(timings.grouping), unit: 'ms' },
    { name: 'first reconcile: open alerts, enqueue posts', value: significant(timings.first), unit: 'ms' },
    { name: 'reconcile, fleet unchanged', value: significant(timings.unchanged), unit: 'ms' },
    { name: 'reconcile after 10% of workloads scheduled', value: significant(timings.changed.wall), unit: 'ms' },
    { name: 'outbox rows per changed reconcile', value: significant(timings.changed.enqueued), unit: 'rows' },
    { name: `render all ${alerts.length} alert messages`, value: significant(timings.rendering), unit: 'ms' },
    { name: 'alerts (groups of cluster, team, cause)', value: alerts.length, unit: 'count' },
    { name: 'pods in the largest alert', value: Math.max(0, ...alerts.map((alert) => alert.podCount)), unit: 'pods' },
    { name: 'largest message: block text', value: sizes.maxBlockText, unit: 'chars' },
    { name: 'largest message: blocks', value: sizes.maxBlocks, unit: 'blocks' },
    { name: 'largest message: fallback text', value: sizes.maxFallbackText, unit: 'chars' },
  ];
}

function alertChecks(timings: AlertTimings, alerts: Alert[], sizes: MessageSizes): CaseCheck[] {
  return [
    check('every enqueued message passes the Block Kit limit check', sizes.problems.length === 0, sizes.problems.slice(0, 3).join('; ') || 'no problems'),
    check(
      `block text stays within the ${LIMITS.messageTextBudget} character budget`,
      sizes.maxBlockText <= LIMITS.messageTextBudget,
      `${sizes.maxBlockText} characters`,
    ),
    check(`no message has more than ${LIMITS.blocksPerMessage} blocks`, sizes.maxBlocks <= LIMITS.blocksPerMessage, `${sizes.maxBlocks} blocks`),
    check('the first reconcile opened alerts', alerts.length > 0 && sizes.messages >= alerts.length, `${alerts.length} alerts, ${sizes.messages} outbox rows`),
    check('a reconcile of an unchanged fleet enqueues nothing', timings.enqueuedWhenUnchanged === 0, `${timings.enqueuedWhenUnchanged} rows enqueued`),
    check('a changed fleet enqueues updates', timings.changed.enqueued > 0, `${timings.changed.enqueued} rows per reconcile`),
  ];
}

/**
 * Measures the pending-pod alert rules on one cluster: grouping alone, the first reconcile (opens every alert and
 * enqueues its post), a reconcile of an unchanged fleet, reconciles after 10% of the workloads were scheduled, and
 * rendering every alert message. Reports the largest message enqueued against Slack's Block Kit limits.
 */
export function benchAlerts(options: AlertBenchOptions): CaseResult {
  const probe = MemoryProbe.start();
  const fleet = buildAlertFleet(options.nodes, options.pendingPods);
  const config = benchConfig();
  const grouping = median(
    Array.from({ length: options.runs }, () =>
      timeCall(() => void groupPendingPods({ cluster: BENCH_CLUSTER, nodes: fleet.nodes, pods: fleet.pods, config, now: BENCH_NOW })),
    ),
  );
  const first = timeFirstReconcile(fleet, Math.min(3, options.runs));
  const ctx = first.ctx;
  try {
    // Sizes and alerts as the first reconcile enqueued them, before the later steps change the pods.
    const sizes = measureSizes(outboxPayloads(ctx.db));
    const alerts = listOpenAlerts(ctx.db, BENCH_CLUSTER);
    const timings: AlertTimings = { grouping, first: first.wall, ...timeLaterSteps(ctx, fleet, options.runs) };
    const memory = probe.finish();
    return {
      id: `alerts-${options.pendingPods}`,
      title: `Alert grouping and messages, ${options.pendingPods.toLocaleString('en-US')} pending pods on ${options.nodes} nodes`,
      metrics: alertMetrics(options, timings, alerts, sizes),
      memory,
      checks: alertChecks(timings, alerts, sizes),
    };
  } finally {
    ctx.dispose();
  }
}
