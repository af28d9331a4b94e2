import { createHash } from 'node:crypto';
import type { PitstopContext } from '../context.js';
import { parseSchedulerMessage } from '../k8s/scheduler-message.js';
import { gpuRequest, type PodView } from '../k8s/views.js';
import { actionRecordMessage } from '../slack/messages/maintenance.js';
import { escapeMrkdwn, joinWithMore, mentionActor } from '../slack/messages/common.js';
import { recordTimeline } from '../store/outbox.js';
import type { Maintenance } from './model.js';
import { messageKeys, publishAllRecovery, replyInThread, threadChannels } from './publish.js';
import { canUncordon } from './recovery.js';
import { getMaintenance, listNodes, markUncordoned } from './store.js';

/** A node the uncordon would return to service. */
export interface UncordonCandidate {
  cluster: string;
  node: string;
  gpus: number;
  sku: string | null;
}

/**
 * Nodes of a maintenance that may be uncordoned now: validated in every check but the cordon, cordoned after the
 * maintenance's snapshot (so the cordon is its own), held by no other controller, and still cordoned in the fleet.
 */
export function uncordonCandidates(ctx: PitstopContext, maintenance: Maintenance): UncordonCandidate[] {
  return listNodes(ctx.db, maintenance.id)
    .filter(canUncordon)
    .filter((row) => ctx.fleet.node(row.cluster, row.node)?.unschedulable === true)
    .map((row) => ({ cluster: row.cluster, node: row.node, gpus: row.gpusAllocatable, sku: row.sku }));
}

/** Identifies a candidate list, so a confirmation runs only on the nodes the user saw. */
export function candidatesFingerprint(candidates: readonly UncordonCandidate[]): string {
  const names = candidates.map((candidate) => `${candidate.cluster}/${candidate.node}`).sort();
  return createHash('sha256').update(names.join('\n')).digest('hex').slice(0, 32);
}

/** Pending pods that will likely schedule onto the candidates once uncordoned, oldest first. */
export interface LandingPods {
  count: number;
  gpus: number;
  names: string[];
}

function waitsForCapacity(pod: PodView): boolean {
  const message = pod.scheduled?.reason === 'Unschedulable' ? pod.scheduled.message : null;
  if (!message) return false;
  return parseSchedulerMessage(message).reasons.some(
    (reason) =>
      reason.category === 'unschedulable' ||
      (reason.category === 'insufficient_resource' && /gpu$/.test(reason.resource ?? '')),
  );
}

/**
 * Lists the pending pods of the candidates' clusters whose scheduler message names cordoned nodes or too few GPUs,
 * and whose GPU request fits the largest candidate node of their cluster. The scheduler decides; this is a forecast.
 */
export function likelyLandingPods(ctx: PitstopContext, candidates: readonly UncordonCandidate[]): LandingPods {
  const largest = new Map<string, number>();
  for (const candidate of candidates)
    largest.set(candidate.cluster, Math.max(largest.get(candidate.cluster) ?? 0, candidate.gpus));
  const pods: { name: string; gpus: number; since: string }[] = [];
  for (const [cluster, room] of largest) {
    for (const pod of ctx.fleet.pendingPods(cluster)) {
      const gpus = gpuRequest(pod);
      if (gpus > room || !waitsForCapacity(pod)) continue;
      pods.push({
        name: `${pod.namespace}/${pod.name}`,
        gpus,
        since: pod.scheduled?.lastTransitionTime ?? pod.creationTimestamp ?? '',
      });
    }
  }
  pods.sort((a, b) => a.since.localeCompare(b.since) || a.name.localeCompare(b.name));
  return { count: pods.length, gpus: pods.reduce((sum, pod) => sum + pod.gpus, 0), names: pods.map((pod) => pod.name) };
}

/** Returns why uncordon cannot run at all, or null when cluster writes are on. */
export function clusterWritesRefusal(ctx: PitstopContext): string | null {
  if (ctx.config.maintenance.allowClusterWrites && ctx.writer !== undefined) return null;
  return 'Uncordon is off: Pitstop writes to clusters only when `maintenance.allowClusterWrites: true` is set in the config. Uncordon the nodes with kubectl, or ask an admin to enable cluster writes.';
}

export interface UncordonResult {
  /** `changed` when the candidates differ from the ones the user confirmed; nothing was uncordoned then. */
  status: 'done' | 'changed' | 'refused' | 'not_found';
  message: string;
  uncordoned: string[];
  failed: { node: string; error: string }[];
}

async function uncordonOne(
  ctx: PitstopContext,
  maintenanceId: string,
  candidate: UncordonCandidate,
  user: string,
): Promise<string | null> {
  try {
    await ctx.writer!.uncordon(candidate.cluster, candidate.node);
  } catch (error) {
    ctx.log.error(
      { err: error, maintenance: maintenanceId, cluster: candidate.cluster, node: candidate.node },
      'uncordon failed',
    );
    return error instanceof Error ? error.message : String(error);
  }
  ctx.db.transaction(() => {
    markUncordoned(ctx.db, { maintenanceId, cluster: candidate.cluster, node: candidate.node }, user, ctx.clock.now());
    recordTimeline(
      ctx.db,
      {
        subjectType: 'maintenance_node',
        subjectId: `${maintenanceId}/${candidate.cluster}/${candidate.node}`,
        actor: user,
        action: 'uncordoned',
      },
      ctx.clock.now(),
    );
  })();
  return null;
}

/**
 * Uncordons the confirmed candidates through the fleet writer, one node at a time, recording each success with
 * the user before the next call, then replies in the maintenance's threads with what was done. Re-checks
 * everything at run time: cluster writes, and that the candidates are still the ones confirmed.
 */
export async function runUncordon(
  ctx: PitstopContext,
  request: { maintenanceId: string; user: string; fingerprint: string },
): Promise<UncordonResult> {
  const none = { uncordoned: [], failed: [] };
  const refusal = clusterWritesRefusal(ctx);
  if (refusal !== null) return { status: 'refused', message: refusal, ...none };
  const maintenance = getMaintenance(ctx.db, request.maintenanceId);
  if (!maintenance) return { status: 'not_found', message: `Maintenance ${request.maintenanceId} not found.`, ...none };
  const candidates = uncordonCandidates(ctx, maintenance);
  if (candidatesFingerprint(candidates) !== request.fingerprint) {
    return {
      status: 'changed',
      message: 'The nodes ready to uncordon changed since the form opened; review the new list.',
      ...none,
    };
  }
  const uncordoned: string[] = [];
  const failed: { node: string; error: string }[] = [];
  for (const candidate of candidates) {
    const error = await uncordonOne(ctx, maintenance.id, candidate, request.user);
    if (error === null) uncordoned.push(candidate.node);
    else failed.push({ node: candidate.node, error });
  }
  const message = resultText(maintenance, request.user, uncordoned, failed);
  ctx.db.transaction(() => {
    recordTimeline(
      ctx.db,
      {
        subjectType: 'maintenance',
        subjectId: maintenance.id,
        actor: request.user,
        action: 'uncordon',
        detail: { uncordoned, failed },
      },
      ctx.clock.now(),
    );
    for (const channel of threadChannels(ctx, maintenance)) {
      const key = messageKeys.action(
        maintenance.id,
        channel,
        `uncordon:${ctx.clock.now().toISOString()}:${request.user}`,
      );
      replyInThread(ctx, maintenance.id, channel, key, actionRecordMessage(message));
    }
    publishAllRecovery(ctx, maintenance);
  })();
  ctx.log.info(
    { maintenance: maintenance.id, user: request.user, uncordoned: uncordoned.length, failed: failed.length },
    'uncordon ran',
  );
  ctx.requestReconcile();
  return { status: 'done', message, uncordoned, failed };
}

function resultText(
  maintenance: Maintenance,
  user: string,
  uncordoned: string[],
  failed: { node: string; error: string }[],
): string {
  const parts = [
    `:arrow_forward: ${mentionActor(user)} uncordoned ${uncordoned.length} of ${maintenance.id}'s validated nodes`,
  ];
  if (uncordoned.length > 0)
    parts[0] += `: ${joinWithMore(
      uncordoned.map((node) => `\`${node}\``),
      { maxItems: 40, maxChars: 1500 },
    )}`;
  if (failed.length > 0) {
    const failures = failed.map((entry) => `\`${entry.node}\` (${escapeMrkdwn(entry.error)})`);
    parts.push(`Failed on ${failed.length}: ${joinWithMore(failures, { maxItems: 20, maxChars: 1000 })}`);
  }
  return parts.join('\n');
}
