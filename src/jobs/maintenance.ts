import type { PitstopContext } from '../context.js';
import { carryOutPlan, planAnnouncements, publishRoot, type StagePlan } from '../maintenance/announce.js';
import { computeBlastRadius, type BlastRadius, type NodeTeams } from '../maintenance/blast-radius.js';
import { activeMaintenances } from '../maintenance/lifecycle.js';
import type { Maintenance, MaintenanceNode } from '../maintenance/model.js';
import { reconcileOverdue } from '../maintenance/overdue.js';
import { summarisePending } from '../maintenance/pending.js';
import { channelsOf, messageKeys, publishMessage, publishRecovery } from '../maintenance/publish.js';
import { saveNodeTeams, trackNodes } from '../maintenance/recovery.js';
import {
  getMaintenance,
  hasThread,
  listNodes,
  recordAnnouncement,
  renderedHash,
  transitionMaintenance,
} from '../maintenance/store.js';
import { plural } from '../slack/messages/common.js';
import { pendingSummaryMessage } from '../slack/messages/maintenance.js';

/** Closed maintenances are reconciled this long after closing, so their final posts go out after a restart. */
const CLOSED_GRACE_MS = 24 * 3_600_000;

/** Marker stage recorded once the pending summary got its end-of-window version. */
const PENDING_CLOSED_STAGE = 'pending:closed';

function allValidated(ctx: PitstopContext, maintenance: Maintenance): boolean {
  if (!maintenance.clusters.every((entry) => ctx.fleet.synced(entry.cluster))) return false;
  return listNodes(ctx.db, maintenance.id).every((node) => node.state === 'validated');
}

/** Moves a maintenance along by the clock, tracking its nodes before and after each step. */
function advance(ctx: PitstopContext, id: string): Maintenance {
  const now = ctx.clock.now();
  let maintenance = getMaintenance(ctx.db, id)!;
  trackNodes(ctx, maintenance);
  const steps: { from: Maintenance['state'][]; to: Maintenance['state']; due: boolean; at?: string }[] = [
    {
      from: ['scheduled', 'announced'],
      to: 'in_progress',
      due: now >= new Date(maintenance.windowStart),
      at: maintenance.windowStart,
    },
    { from: ['in_progress'], to: 'recovering', due: now >= new Date(maintenance.windowEnd), at: maintenance.windowEnd },
  ];
  for (const step of steps) {
    if (!step.due || !step.from.includes(maintenance.state)) continue;
    transitionMaintenance(
      ctx.db,
      {
        id,
        from: step.from,
        to: step.to,
        actor: 'pitstop',
        detail: { by: 'clock' },
        ...(step.at ? { at: step.at } : {}),
      },
      now,
    );
    maintenance = getMaintenance(ctx.db, id)!;
    trackNodes(ctx, maintenance);
  }
  if (maintenance.state === 'recovering' && allValidated(ctx, maintenance)) {
    transitionMaintenance(
      ctx.db,
      { id, from: ['recovering'], to: 'completed', actor: 'pitstop', detail: { by: 'all nodes validated' } },
      now,
    );
    maintenance = getMaintenance(ctx.db, id)!;
  }
  return maintenance;
}

function publishPending(
  ctx: PitstopContext,
  maintenance: Maintenance,
  channel: string,
  clusters: string[],
  allNodes: MaintenanceNode[],
): void {
  const key = messageKeys.pending(maintenance.id, channel);
  const exists = renderedHash(ctx.db, key) !== undefined;
  const open = maintenance.state === 'in_progress';
  if (
    !open &&
    (!exists ||
      !recordAnnouncement(
        ctx.db,
        { maintenanceId: maintenance.id, channel, stage: PENDING_CLOSED_STAGE, outcome: 'posted' },
        ctx.clock.now(),
      ))
  ) {
    return;
  }
  const summary = summarisePending(
    ctx,
    clusters,
    allNodes.filter((node) => clusters.includes(node.cluster)),
  );
  if (!exists && summary.pods === 0) return;
  const payload = pendingSummaryMessage(maintenance, summary, open);
  publishMessage(ctx, {
    maintenanceId: maintenance.id,
    key,
    channel,
    first: 'reply',
    threadKey: messageKeys.thread(maintenance.id, channel),
    payload,
  });
}

/** Everything after the announcements, for one channel: root, overdue-aware recovery message, pending summary. */
function publishChannel(
  ctx: PitstopContext,
  maintenance: Maintenance,
  channel: string,
  clusters: string[],
  nodes: MaintenanceNode[],
): void {
  if (!hasThread(ctx.db, maintenance.id, channel)) return;
  publishRoot(ctx, maintenance, channel, clusters);
  if (maintenance.startedAt === null) return;
  publishRecovery(ctx, maintenance, channel, clusters, nodes);
  publishPending(ctx, maintenance, channel, clusters, nodes);
}

interface PreparedRadius {
  plan: StagePlan;
  radius: BlastRadius;
  nodeTeams: Map<string, NodeTeams>;
}

/** Computes the blast radius for every plan that shows one; this is the only part that waits on the clusters. */
async function prepareRadii(ctx: PitstopContext, maintenance: Maintenance): Promise<PreparedRadius[]> {
  const prepared: PreparedRadius[] = [];
  for (const plan of planAnnouncements(ctx, maintenance)) {
    if (!plan.needsRadius) continue;
    const nodeTeams = new Map<string, NodeTeams>();
    const radius = await computeBlastRadius(ctx, maintenance, { clusters: plan.clusters, nodeTeams });
    prepared.push({ plan, radius, nodeTeams });
  }
  return prepared;
}

function publishAll(ctx: PitstopContext, id: string, prepared: PreparedRadius[]): void {
  const maintenance = getMaintenance(ctx.db, id)!;
  for (const plan of planAnnouncements(ctx, maintenance)) {
    const ready = prepared.find((entry) => entry.plan.channel === plan.channel && entry.plan.post === plan.post);
    // State changed while the radius was computed: a stage that needs a radius waits for the next pass.
    if (plan.needsRadius && ready === undefined) continue;
    carryOutPlan(ctx, maintenance, plan, ready?.radius ?? null);
    for (const [cluster, teams] of ready?.nodeTeams ?? []) saveNodeTeams(ctx, id, cluster, teams);
  }
  const current = getMaintenance(ctx.db, id)!;
  const nodes = listNodes(ctx.db, id);
  reconcileOverdue(ctx, current, nodes);
  for (const [channel, clusters] of channelsOf(ctx, current)) publishChannel(ctx, current, channel, clusters, nodes);
}

async function reconcileOne(ctx: PitstopContext, id: string): Promise<void> {
  const maintenance = ctx.db.transaction(() => advance(ctx, id))();
  const prepared = await prepareRadii(ctx, maintenance);
  ctx.db.transaction(() => publishAll(ctx, id, prepared))();
}

/**
 * Brings every open maintenance up to date. It moves each along by the clock: announced at the lead times, in
 * progress at the start, recovering at the end, completed once every node is validated. It tracks and validates
 * the nodes, posts each announcement once per channel, and re-renders the root, recovery and pending messages,
 * enqueueing only what changed. With unchanged fleet, state and clock a second call enqueues nothing, and all
 * progress is in the store, so a restart resumes without posting twice. One maintenance failing does not stop
 * the others; the failures are thrown together at the end.
 */
export async function reconcileMaintenances(ctx: PitstopContext): Promise<void> {
  const errors: unknown[] = [];
  for (const maintenance of activeMaintenances(ctx, CLOSED_GRACE_MS)) {
    try {
      await reconcileOne(ctx, maintenance.id);
    } catch (error) {
      ctx.log.error({ err: error, maintenance: maintenance.id }, 'reconciling a maintenance failed');
      errors.push(error);
    }
  }
  if (errors.length > 0) throw new AggregateError(errors, `reconciling ${plural(errors.length, 'maintenance')} failed`);
}
