import { createHash } from 'node:crypto';
import type { PitstopContext } from '../context.js';
import { findDeadPost, repostDeadPost } from '../store/dead-posts.js';
import { enqueue, type MessagePayload } from '../store/outbox.js';
import type { Maintenance, MaintenanceNode } from './model.js';
import { recoveryMessage } from '../slack/messages/maintenance.js';
import { getOverdue, hasThread, listNodes, renderedHash, saveRenderedHash } from './store.js';

/** Slack message keys of a maintenance in one channel; the dispatcher maps each to one Slack message. */
export const messageKeys = {
  thread: (id: string, channel: string) => `maint:${id}:${channel}:thread`,
  stage: (id: string, channel: string, stage: string) => `maint:${id}:${channel}:stage:${stage}`,
  recovery: (id: string, channel: string) => `maint:${id}:${channel}:recovery`,
  pending: (id: string, channel: string) => `maint:${id}:${channel}:pending`,
  overdue: (id: string, channel: string, suffix: string) => `maint:${id}:${channel}:overdue:${suffix}`,
  action: (id: string, channel: string, suffix: string) => `maint:${id}:${channel}:action:${suffix}`,
};

/** Returns the channels a maintenance posts to, each with the clusters it covers, in config order. */
export function channelsOf(ctx: PitstopContext, maintenance: Maintenance): Map<string, string[]> {
  const channels = new Map<string, string[]>();
  for (const entry of maintenance.clusters) {
    const cluster = ctx.config.clusters.find((candidate) => candidate.name === entry.cluster);
    if (!cluster) {
      ctx.log.warn(
        { maintenance: maintenance.id, cluster: entry.cluster },
        'maintenance names a cluster the config no longer declares',
      );
      continue;
    }
    channels.set(cluster.channel, [...(channels.get(cluster.channel) ?? []), entry.cluster]);
  }
  return channels;
}

function hashOf(payload: MessagePayload): string {
  return createHash('sha256').update(JSON.stringify(payload)).digest('hex');
}

/**
 * Enqueues a message that is edited in place: the first render becomes `first` (a post, or a reply in the
 * maintenance's thread), later renders an update, and a render identical to the last one enqueues nothing.
 * While the message's post is dead and Slack never showed it, the current render is posted again once a
 * retry is due (see {@link findDeadPost}), and nothing is enqueued before. Returns whether anything was
 * enqueued. Call inside the transaction of the state change it shows.
 */
export function publishMessage(
  ctx: PitstopContext,
  message: {
    maintenanceId: string;
    key: string;
    channel: string;
    first: 'post' | 'reply';
    threadKey?: string;
    payload: MessagePayload;
  },
): boolean {
  const hash = hashOf(message.payload);
  const previous = renderedHash(ctx.db, message.key);
  const now = ctx.clock.now();
  // An edit of a message whose post is dead would be marked dead too, so the message is posted again instead.
  const dead = findDeadPost(ctx.db, message.key, now);
  if (dead !== undefined) {
    if (dead.retryReason === undefined) return false;
    repostDeadPost(ctx.db, ctx.log, dead, { messageKey: message.key, channel: message.channel, payload: message.payload }, now);
    saveRenderedHash(ctx.db, message.maintenanceId, message.key, hash, now);
    return true;
  }
  if (previous === hash) return false;
  const kind = previous === undefined ? message.first : 'update';
  enqueue(
    ctx.db,
    {
      kind,
      messageKey: message.key,
      channel: message.channel,
      ...(kind === 'reply' ? { threadKey: message.threadKey } : {}),
      payload: message.payload,
    },
    now,
  );
  saveRenderedHash(ctx.db, message.maintenanceId, message.key, hash, now);
  return true;
}

/** Posts a reply once into the maintenance thread of a channel; returns false when the thread does not exist. */
export function replyInThread(
  ctx: PitstopContext,
  maintenanceId: string,
  channel: string,
  key: string,
  payload: MessagePayload,
): boolean {
  if (!hasThread(ctx.db, maintenanceId, channel)) return false;
  enqueue(
    ctx.db,
    { kind: 'reply', messageKey: key, channel, threadKey: messageKeys.thread(maintenanceId, channel), payload },
    ctx.clock.now(),
  );
  return true;
}

/** Lists the channels of a maintenance whose thread has been posted. */
export function threadChannels(ctx: PitstopContext, maintenance: Maintenance): string[] {
  return [...channelsOf(ctx, maintenance).keys()].filter((channel) => hasThread(ctx.db, maintenance.id, channel));
}

/** Re-renders the recovery message of a channel from stored state; posts it into the thread the first time. */
export function publishRecovery(
  ctx: PitstopContext,
  maintenance: Maintenance,
  channel: string,
  clusters: readonly string[],
  allNodes: MaintenanceNode[] = listNodes(ctx.db, maintenance.id),
): boolean {
  if (!hasThread(ctx.db, maintenance.id, channel)) return false;
  const payload = recoveryMessage({
    maintenance,
    nodes: allNodes.filter((node) => clusters.includes(node.cluster)),
    overdue: getOverdue(ctx.db, maintenance.id),
    now: ctx.clock.now(),
    snoozeChoices: ctx.config.alerting.snoozeChoices,
  });
  return publishMessage(ctx, {
    maintenanceId: maintenance.id,
    key: messageKeys.recovery(maintenance.id, channel),
    channel,
    first: 'reply',
    threadKey: messageKeys.thread(maintenance.id, channel),
    payload,
  });
}

/** Re-renders every channel's recovery message of a maintenance that has one. */
export function publishAllRecovery(ctx: PitstopContext, maintenance: Maintenance): void {
  const nodes = listNodes(ctx.db, maintenance.id);
  for (const [channel, clusters] of channelsOf(ctx, maintenance)) {
    if (renderedHash(ctx.db, messageKeys.recovery(maintenance.id, channel)) !== undefined) {
      publishRecovery(ctx, maintenance, channel, clusters, nodes);
    }
  }
}
