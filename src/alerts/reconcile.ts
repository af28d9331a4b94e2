import type { PitstopContext } from '../context.js';
import { linkToMaintenance, openWindowOn, type MaintenanceLink } from '../maintenance/link.js';
import { recordTimeline } from '../store/outbox.js';
import { buildExplanationReply, buildPodsChangedReply } from '../slack/messages/alert.js';
import { resolveAlert } from './actions.js';
import { deriveGroups, type PendingGroup } from './grouping.js';
import { enqueueAlertMessage, enqueueAlertReply } from './render.js';
import { explanationKey, summariseGroup, summaryLine, type AlertSnapshot } from './snapshot.js';
import {
  ALERT_SUBJECT,
  formatAlertId,
  listOpenAlerts,
  openAlert,
  PITSTOP_ACTOR,
  setReportedCount,
  updateSnapshot,
  type Alert,
} from './store.js';

/**
 * Share of the last announced pod count by which the count must move before the thread gets a reply.
 * The channel message always shows the current count. The thread only records large moves, so a group
 * whose pods come and go one at a time does not flood it.
 */
const REPLY_CHANGE_RATIO = 0.2;

/** Clusters already reported as missing from the config, per context, so the error is logged once. */
const reportedUnknownClusters = new WeakMap<PitstopContext, Set<string>>();

interface LiveGroup {
  group: PendingGroup;
  link: MaintenanceLink | null;
}

function isLargeChange(previous: number, current: number): boolean {
  return Math.abs(current - previous) >= Math.max(1, Math.ceil(previous * REPLY_CHANGE_RATIO));
}

function linkGroup(ctx: PitstopContext, cluster: string, group: PendingGroup): MaintenanceLink | null {
  try {
    return linkToMaintenance(ctx, cluster, group.blocking.nodes);
  } catch (error) {
    // The alert still goes out, only without naming a maintenance.
    ctx.log.error({ err: error, cluster, group: group.key }, 'linking a pending-pod group to a maintenance failed');
    return null;
  }
}

function updateAlert(ctx: PitstopContext, alert: Alert, snapshot: AlertSnapshot, now: Date): void {
  const previous = alert.snapshot;
  if (JSON.stringify(previous) !== JSON.stringify(snapshot)) {
    updateSnapshot(ctx.db, alert.id, snapshot, summaryLine(snapshot), now);
    alert.snapshot = snapshot;
    alert.podCount = snapshot.podCount;
    alert.maintenanceId = snapshot.maintenance?.id ?? null;
  }
  enqueueAlertMessage(ctx.db, ctx.config, alert, now, ctx.log);
  const subjectId = formatAlertId(alert.id);
  if (isLargeChange(alert.reportedCount, snapshot.podCount)) {
    enqueueAlertReply(ctx.db, alert, buildPodsChangedReply(alert.reportedCount, snapshot), now);
    recordTimeline(
      ctx.db,
      { subjectType: ALERT_SUBJECT, subjectId, actor: PITSTOP_ACTOR, action: 'pods_changed', detail: { from: alert.reportedCount, to: snapshot.podCount } },
      now,
    );
    setReportedCount(ctx.db, alert.id, snapshot.podCount);
    alert.reportedCount = snapshot.podCount;
  }
  if (explanationKey(previous) !== explanationKey(snapshot)) {
    enqueueAlertReply(ctx.db, alert, buildExplanationReply(snapshot), now);
    recordTimeline(
      ctx.db,
      { subjectType: ALERT_SUBJECT, subjectId, actor: PITSTOP_ACTOR, action: 'cause_changed', detail: { from: explanationKey(previous), to: explanationKey(snapshot) } },
      now,
    );
  }
}

/** Scheduler reason categories that describe the state of nodes, which a maintenance changes. */
const NODE_STATE_CATEGORIES = new Set(['unschedulable', 'untolerated_taint', 'node_not_ready', 'node_pressure']);

/**
 * Returns the maintenance whose open window explains the group: the one whose nodes block it, or, when
 * the group's node-state cause shows on no node any more (a scheduler message older than the last node
 * change), the one open on the cluster.
 */
function windowHolding(ctx: PitstopContext, cluster: string, group: PendingGroup, link: MaintenanceLink | null): string | null {
  if (link?.inWindow) return link.maintenanceId;
  if (link !== null || group.blocking.nodes.length > 0) return null;
  if (!NODE_STATE_CATEGORIES.has(group.cause.category)) return null;
  return openWindowOn(ctx, cluster)?.id ?? null;
}

function reconcileCluster(ctx: PitstopContext, cluster: string, channel: string): void {
  const live: LiveGroup[] = [];
  const handedOver = new Map<string, string>();
  for (const group of deriveGroups(ctx, cluster)) {
    const link = linkGroup(ctx, cluster, group);
    // During its window a maintenance's own thread summarises the pods its nodes block.
    const holding = windowHolding(ctx, cluster, group, link);
    if (holding !== null) handedOver.set(group.key, holding);
    else live.push({ group, link });
  }
  ctx.db
    .transaction(() => {
      const now = ctx.clock.now();
      const open = new Map(listOpenAlerts(ctx.db, cluster).map((alert) => [alert.groupKey, alert]));
      for (const { group, link } of live) {
        const snapshot = summariseGroup(group, link);
        const existing = open.get(group.key);
        open.delete(group.key);
        if (existing) {
          updateAlert(ctx, existing, snapshot, now);
          continue;
        }
        const alert = openAlert(
          ctx.db,
          {
            groupKey: group.key,
            cluster,
            team: group.team,
            cause: group.cause.key,
            channel,
            maintenanceId: snapshot.maintenance?.id ?? null,
            summary: summaryLine(snapshot),
            snapshot,
          },
          now,
        );
        enqueueAlertMessage(ctx.db, ctx.config, alert, now, ctx.log);
      }
      for (const alert of open.values()) {
        const maintenanceId = handedOver.get(alert.groupKey);
        const reason = maintenanceId
          ? `the pods are now summarised in the thread of maintenance ${maintenanceId}, whose window is open`
          : 'no pods are pending for this cause any more';
        resolveAlert(ctx, alert, reason, now);
      }
    })
    .immediate();
}

/**
 * Derives the pending-pod groups of every synced cluster and makes the alerts match them: opens an
 * alert per new group, updates changed ones and resolves those whose group emptied, enqueuing the
 * messages and thread replies in the same transaction. Idempotent: with an unchanged fleet and clock
 * it writes and enqueues nothing, because each alert's message is enqueued only when its rendered hash
 * changes. A cluster that has not finished its initial list is skipped, so a restart never resolves
 * alerts on a partial view.
 */
export function reconcileAlerts(ctx: PitstopContext): void {
  for (const cluster of ctx.fleet.clusters()) {
    if (!ctx.fleet.synced(cluster)) continue;
    const config = ctx.config.clusters.find((candidate) => candidate.name === cluster);
    if (!config) {
      const reported = reportedUnknownClusters.get(ctx) ?? new Set<string>();
      if (!reported.has(cluster)) {
        ctx.log.error({ cluster }, 'the fleet watches a cluster the config does not declare; its pending pods get no alert');
        reported.add(cluster);
        reportedUnknownClusters.set(ctx, reported);
      }
      continue;
    }
    reconcileCluster(ctx, cluster, config.channel);
  }
}
