import { parseDuration } from '../config/schema.js';
import type { PitstopContext } from '../context.js';
import { announcementMessage, type AnnouncementStage, type Progress } from '../slack/messages/maintenance.js';
import type { BlastRadius } from './blast-radius.js';
import type { Maintenance } from './model.js';
import { channelsOf, messageKeys, publishMessage } from './publish.js';
import {
  announcedStages,
  claimMentions,
  getChannelRadius,
  hasThread,
  listMentions,
  listNodes,
  recordAnnouncement,
  saveChannelRadius,
  transitionMaintenance,
} from './store.js';

/**
 * How long an announcement waits for a cluster's initial node list. After that it posts with the cluster's
 * blast radius marked unknown, so a cluster that never loads does not silence the maintenance.
 */
export const SYNC_GRACE_MS = 10 * 60_000;

/** The announcement due in one channel now: at most one stage, and the earlier stages it makes pointless. */
export interface StagePlan {
  channel: string;
  clusters: string[];
  post: AnnouncementStage | null;
  skip: AnnouncementStage[];
  /** Whether the stage shows the blast radius, which is computed from the live cluster before posting. */
  needsRadius: boolean;
}

interface ReachedStage {
  stage: AnnouncementStage;
  at: number;
}

/** Stages in the order they happen, each with the time it was reached, for the maintenance as it is now. */
function reachedStages(ctx: PitstopContext, maintenance: Maintenance, now: number): ReachedStage[] {
  const start = Date.parse(maintenance.windowStart);
  const leads = ctx.config.maintenance.announceBefore
    .map((lead) => ({ lead, ms: parseDuration(lead) }))
    .sort((a, b) => b.ms - a.ms);
  const stages: ReachedStage[] = [];
  if (maintenance.state !== 'cancelled') {
    for (const { lead, ms } of leads) if (now >= start - ms) stages.push({ stage: `lead:${lead}`, at: start - ms });
  }
  const started = maintenance.startedAt === null ? null : Date.parse(maintenance.startedAt);
  if (started !== null && maintenance.state !== 'cancelled') stages.push({ stage: 'start', at: started });
  if (maintenance.endedAt !== null && maintenance.state !== 'cancelled')
    stages.push({ stage: 'end', at: Date.parse(maintenance.endedAt) });
  const closed = maintenance.closedAt === null ? now : Date.parse(maintenance.closedAt);
  if (maintenance.state === 'completed') stages.push({ stage: 'completed', at: closed });
  if (maintenance.state === 'cancelled') stages.push({ stage: 'cancelled', at: closed });
  return stages;
}

function planChannel(
  ctx: PitstopContext,
  maintenance: Maintenance,
  channel: string,
  clusters: string[],
  now: number,
): StagePlan {
  const handled = announcedStages(ctx.db, maintenance.id, channel);
  const reached = reachedStages(ctx, maintenance, now);
  const lastHandled = reached.reduce((last, entry, index) => (handled.has(entry.stage) ? index : last), -1);
  // Only stages after the last one handled may still post; an earlier one left unhandled is stale.
  const open = reached.filter((entry, index) => !handled.has(entry.stage) && index > lastHandled);
  const stale = reached
    .filter((entry, index) => !handled.has(entry.stage) && index < lastHandled)
    .map((entry) => entry.stage);
  const none: StagePlan = { channel, clusters, post: null, skip: stale, needsRadius: false };
  const latest = open[open.length - 1];
  if (latest === undefined) return none;
  const earlier = open.slice(0, -1).map((entry) => entry.stage);
  if (latest.stage === 'cancelled' && !hasThread(ctx.db, maintenance.id, channel)) {
    return { ...none, skip: [...stale, ...earlier, latest.stage] };
  }
  const needsRadius = latest.stage.startsWith('lead:') || latest.stage === 'start';
  const unsynced = clusters.some((cluster) => !ctx.fleet.synced(cluster));
  if (needsRadius && unsynced && now - latest.at < SYNC_GRACE_MS) return none;
  return { channel, clusters, post: latest.stage, skip: [...stale, ...earlier], needsRadius };
}

/** Decides, per channel, which announcement is due now. Reads state only. */
export function planAnnouncements(ctx: PitstopContext, maintenance: Maintenance): StagePlan[] {
  const now = ctx.clock.now().getTime();
  return [...channelsOf(ctx, maintenance)].map(([channel, clusters]) =>
    planChannel(ctx, maintenance, channel, clusters, now),
  );
}

function progressOf(ctx: PitstopContext, maintenance: Maintenance, clusters: string[]): Progress {
  const nodes = listNodes(ctx.db, maintenance.id).filter((node) => clusters.includes(node.cluster));
  return { validated: nodes.filter((node) => node.state === 'validated').length, total: nodes.length };
}

function userGroupsOf(radius: BlastRadius): string[] {
  const groups = radius.clusters.flatMap((cluster) => cluster.teams.map((team) => team.userGroup));
  return [...new Set(groups.filter((group): group is string => group !== null))];
}

/** Re-renders the thread's root message of a channel; enqueues an edit only when its content changed. */
export function publishRoot(
  ctx: PitstopContext,
  maintenance: Maintenance,
  channel: string,
  clusters: string[],
): boolean {
  const payload = announcementMessage({
    maintenance,
    stage: 'status',
    radius: getChannelRadius(ctx.db, maintenance.id, channel) as BlastRadius | null,
    mentioned: listMentions(ctx.db, maintenance.id, channel),
    progress: maintenance.state === 'completed' ? progressOf(ctx, maintenance, clusters) : null,
    now: ctx.clock.now(),
  });
  return publishMessage(ctx, {
    maintenanceId: maintenance.id,
    key: messageKeys.thread(maintenance.id, channel),
    channel,
    first: 'post',
    payload,
  });
}

/**
 * Carries out a plan inside the caller's transaction. It records skipped stages and posts the due stage: the
 * thread's root when the channel has no thread yet, else a broadcast reply. Each team's user group is mentioned
 * only the first time it appears in the thread, and a scheduled maintenance moves to `announced`.
 */
export function carryOutPlan(
  ctx: PitstopContext,
  maintenance: Maintenance,
  plan: StagePlan,
  radius: BlastRadius | null,
): void {
  const now = ctx.clock.now();
  for (const stage of plan.skip)
    recordAnnouncement(
      ctx.db,
      { maintenanceId: maintenance.id, channel: plan.channel, stage, outcome: 'skipped' },
      now,
    );
  if (plan.post === null) return;
  const threadExists = hasThread(ctx.db, maintenance.id, plan.channel);
  if (
    !recordAnnouncement(
      ctx.db,
      { maintenanceId: maintenance.id, channel: plan.channel, stage: plan.post, outcome: 'posted' },
      now,
    )
  )
    return;
  if (radius !== null) saveChannelRadius(ctx.db, maintenance.id, plan.channel, radius, now);
  const fresh = radius === null ? [] : claimMentions(ctx.db, maintenance.id, plan.channel, userGroupsOf(radius), now);
  if (plan.post.startsWith('lead:')) {
    transitionMaintenance(
      ctx.db,
      { id: maintenance.id, from: ['scheduled'], to: 'announced', actor: 'pitstop', detail: { stage: plan.post } },
      now,
    );
  }
  if (threadExists) {
    const progress =
      plan.post === 'end' || plan.post === 'completed' ? progressOf(ctx, maintenance, plan.clusters) : null;
    const payload = announcementMessage({
      maintenance,
      stage: plan.post,
      radius,
      mentioned: new Set(fresh),
      progress,
      now,
    });
    const key = messageKeys.stage(maintenance.id, plan.channel, plan.post);
    publishMessage(ctx, {
      maintenanceId: maintenance.id,
      key,
      channel: plan.channel,
      first: 'reply',
      threadKey: messageKeys.thread(maintenance.id, plan.channel),
      payload: { ...payload, options: { reply_broadcast: true } },
    });
  }
  ctx.log.info({ maintenance: maintenance.id, channel: plan.channel, stage: plan.post }, 'maintenance announced');
}
