import type { BlastRadius, ClusterRadius, TeamImpact } from '../../maintenance/blast-radius.js';
import { mergeTeams } from '../../maintenance/blast-radius.js';
import type { Maintenance, MaintenanceState } from '../../maintenance/model.js';
import { describeScope } from '../../maintenance/scope.js';
import type { MessagePayload } from '../../store/outbox.js';
import { escapeMrkdwn, joinWithMore, LIMITS, mentionActor, mentionUserGroup, slackDate, truncate } from './common.js';

import { formatDuration, ownerText, plural } from './maintenance-common.js';

export * from './maintenance-common.js';
export { longTail, recoveryMessage, type RecoveryMessageInput } from './maintenance-recovery.js';

/**
 * One announcement: a lead time before the start (`lead:24h`), the start, the end, or the close. `status` is the
 * thread's root message, which shows the current state and is edited in place.
 */
export type AnnouncementStage = `lead:${string}` | 'start' | 'end' | 'completed' | 'cancelled' | 'status';

const KIND_TEXT: Record<Maintenance['kind'], string> = {
  firmware: 'firmware update',
  security_patch: 'security patch',
  driver: 'driver update',
  reimage: 'reimage',
  hardware: 'hardware work',
};

const STATE_TEXT: Record<MaintenanceState, string> = {
  scheduled: 'Scheduled',
  announced: 'Announced',
  in_progress: 'In progress',
  recovering: 'Recovering',
  completed: 'Completed',
  cancelled: 'Cancelled',
};

const STATE_EMOJI: Record<MaintenanceState, string> = {
  scheduled: ':calendar:',
  announced: ':calendar:',
  in_progress: ':construction:',
  recovering: ':hourglass_flowing_sand:',
  completed: ':white_check_mark:',
  cancelled: ':no_entry_sign:',
};

function headline(maintenance: Maintenance, stage: AnnouncementStage, now: Date, progress: Progress | null): string {
  const start = slackDate(maintenance.windowStart);
  const end = slackDate(maintenance.windowEnd);
  if (stage.startsWith('lead:')) {
    const left = formatDuration(Date.parse(maintenance.windowStart) - now.getTime());
    return `*Starts in ${left}*, at ${start}; expected to end ${end}.`;
  }
  const tally = progress === null ? '' : ` ${progress.validated} of ${plural(progress.total, 'node')} validated.`;
  switch (stage) {
    case 'start':
      return `*Started* ${slackDate(maintenance.startedAt ?? now.toISOString())}; expected to end ${end}.`;
    case 'end':
      return `*Window ended* ${end}.${tally} The recovery message in this thread lists every node not back yet.`;
    case 'completed':
      return `*Completed* ${slackDate(maintenance.closedAt ?? now.toISOString())} by ${mentionActor(maintenance.closedBy ?? 'pitstop')}.${tally}`;
    case 'cancelled':
      return `*Cancelled* ${slackDate(maintenance.closedAt ?? now.toISOString())} by ${mentionActor(maintenance.closedBy ?? 'pitstop')}.`;
    default:
      return statusHeadline(maintenance, tally);
  }
}

/** Builds the root message's headline from absolute times only, so re-rendering an unchanged maintenance is identical. */
function statusHeadline(maintenance: Maintenance, tally: string): string {
  const end = slackDate(maintenance.windowEnd);
  switch (maintenance.state) {
    case 'scheduled':
    case 'announced':
      return `*Starts* ${slackDate(maintenance.windowStart)}; expected to end ${end}.`;
    case 'in_progress':
      return `*In progress* since ${slackDate(maintenance.startedAt ?? maintenance.windowStart)}; expected to end ${end}.`;
    case 'recovering':
      return `*Window ended* ${end}; nodes are coming back. The recovery message in this thread shows each one.`;
    case 'completed':
      return `*Completed* ${slackDate(maintenance.closedAt ?? maintenance.windowEnd)} by ${mentionActor(maintenance.closedBy ?? 'pitstop')}.${tally}`;
    case 'cancelled':
      return `*Cancelled* ${slackDate(maintenance.closedAt ?? maintenance.windowEnd)} by ${mentionActor(maintenance.closedBy ?? 'pitstop')}.`;
  }
}

/** Nodes validated out of the nodes tracked, for the end and completion announcements. */
export interface Progress {
  validated: number;
  total: number;
}

function skuText(cluster: ClusterRadius): string {
  const parts = cluster.bySku.map(
    (entry) => `${escapeMrkdwn(entry.sku)}: ${plural(entry.gpus, 'GPU')} on ${plural(entry.nodes, 'node')}`,
  );
  return joinWithMore(parts, { maxItems: 8, maxChars: 600, separator: ' · ' });
}

function clusterLine(maintenance: Maintenance, cluster: ClusterRadius): string {
  const scope = maintenance.clusters.find((entry) => entry.cluster === cluster.cluster)?.scope;
  const title = `*${escapeMrkdwn(cluster.cluster)}* (${escapeMrkdwn(truncate(scope ? describeScope(scope) : 'scope unknown', 200))})`;
  if (!cluster.synced) return `${title}: node list not loaded yet, so the blast radius is unknown.`;
  const lines = [`${title}: ${plural(cluster.nodes, 'node')}, ${plural(cluster.gpus, 'GPU')}`];
  if (cluster.bySku.length > 0) lines.push(`    ${skuText(cluster)}`);
  if (cluster.racks.length > 0) {
    lines.push(
      `    ${plural(cluster.racks.length, 'rack')}: ${joinWithMore(cluster.racks.map(escapeMrkdwn), { maxItems: 20, maxChars: 400 })}`,
    );
  }
  if (cluster.missing.length > 0) {
    lines.push(
      `    :warning: not in the cluster: ${joinWithMore(cluster.missing.map(escapeMrkdwn), { maxItems: 10, maxChars: 300 })}`,
    );
  }
  if (cluster.workloadError !== null)
    lines.push(
      `    :warning: listing pods failed, teams may be missing: ${escapeMrkdwn(truncate(cluster.workloadError, 200))}`,
    );
  return lines.join('\n');
}

function teamText(team: TeamImpact, mentioned: ReadonlySet<string>): string {
  const name =
    team.userGroup !== null && mentioned.has(team.userGroup)
      ? mentionUserGroup(team.userGroup)
      : `*${escapeMrkdwn(team.team)}*`;
  const gpus = team.gpus > 0 ? `, ${plural(team.gpus, 'GPU')}` : '';
  return `${name} (${plural(team.pods, 'pod')}${gpus})`;
}

function radiusBlocks(maintenance: Maintenance, radius: BlastRadius | null, mentioned: ReadonlySet<string>): unknown[] {
  if (radius === null) return [];
  const clusterText = joinWithMore(
    radius.clusters.map((cluster) => clusterLine(maintenance, cluster)),
    {
      maxItems: 20,
      maxChars: LIMITS.sectionText - 200,
      separator: '\n',
    },
  );
  const blocks: unknown[] = [
    { type: 'section', block_id: 'radius', text: { type: 'mrkdwn', text: `*Blast radius*\n${clusterText}` } },
  ];
  const teams = mergeTeams(radius);
  const teamLine =
    teams.length === 0
      ? 'No team workloads run on these nodes now.'
      : `Workloads of ${joinWithMore(
          teams.map((team) => teamText(team, mentioned)),
          { maxItems: 30, maxChars: 2000 },
        )}`;
  blocks.push({ type: 'section', block_id: 'teams', text: { type: 'mrkdwn', text: `*Teams affected*\n${teamLine}` } });
  return blocks;
}

function totals(radius: BlastRadius | null): string {
  if (radius === null) return '';
  const nodes = radius.clusters.reduce((sum, cluster) => sum + cluster.nodes, 0);
  const gpus = radius.clusters.reduce((sum, cluster) => sum + cluster.gpus, 0);
  return ` ${plural(nodes, 'node')}, ${plural(gpus, 'GPU')}.`;
}

/** Content of an announcement or of the thread's root message. */
export interface AnnouncementInput {
  maintenance: Maintenance;
  stage: AnnouncementStage;
  /** The blast radius over the clusters this channel covers, or null when none was computed yet. */
  radius: BlastRadius | null;
  /** User groups to mention; other teams are named without a mention. */
  mentioned: ReadonlySet<string>;
  progress: Progress | null;
  now: Date;
}

/** Builds an announcement: the thread's root (first stage, then re-rendered) or a stage reply in the thread. */
export function announcementMessage(input: AnnouncementInput): MessagePayload {
  const { maintenance, stage, radius, now } = input;
  const title = `${STATE_EMOJI[maintenance.state]} ${maintenance.id} · ${maintenance.title}`;
  const fields = [
    `*State*\n${STATE_TEXT[maintenance.state]}`,
    `*Kind*\n${KIND_TEXT[maintenance.kind]}`,
    `*Vendor*\n${maintenance.vendor}`,
    `*Owner*\n${ownerText(maintenance.owner)}`,
    `*Window*\n${slackDate(maintenance.windowStart)} to ${slackDate(maintenance.windowEnd)}`,
  ];
  const blocks: unknown[] = [
    {
      type: 'header',
      block_id: 'title',
      text: { type: 'plain_text', text: truncate(title, LIMITS.headerText), emoji: true },
    },
    {
      type: 'section',
      block_id: 'headline',
      text: { type: 'mrkdwn', text: headline(maintenance, stage, now, input.progress) },
    },
    { type: 'section', block_id: 'facts', fields: fields.map((text) => ({ type: 'mrkdwn', text })) },
    ...radiusBlocks(maintenance, radius, input.mentioned),
    {
      type: 'context',
      block_id: 'footer',
      elements: [
        {
          type: 'mrkdwn',
          text: `${maintenance.id} · created from ${maintenance.source} · \`/pitstop maint show ${maintenance.id}\``,
        },
      ],
    },
  ];
  const text = truncate(
    `${maintenance.id} ${maintenance.title}: ${STATE_TEXT[maintenance.state].toLowerCase()}, ${stageText(maintenance, stage)}.${totals(radius)}`,
    LIMITS.fallbackText,
  );
  return { text, blocks };
}

function stageText(maintenance: Maintenance, stage: AnnouncementStage): string {
  if (stage.startsWith('lead:')) return `starts in ${stage.slice('lead:'.length)}`;
  const texts: Record<string, string> = {
    start: 'started',
    end: 'window ended',
    completed: 'completed',
    cancelled: 'cancelled',
  };
  return texts[stage] ?? `window ${maintenance.windowStart} to ${maintenance.windowEnd}`;
}

/** Pending pods that the maintenance's nodes keep from scheduling, in one channel's clusters. */
export interface PendingSummary {
  pods: number;
  gpus: number;
  byTeam: { team: string; pods: number; gpus: number }[];
  byReason: { reason: string; pods: number }[];
  /** Oldest time a counted pod has been unschedulable since, ISO 8601. */
  oldestSince: string | null;
  examples: string[];
}

/** Builds the pending-pod summary in the maintenance thread; `windowOpen` false marks the hand-over to alerts. */
export function pendingSummaryMessage(
  maintenance: Maintenance,
  summary: PendingSummary,
  windowOpen: boolean,
): MessagePayload {
  const head =
    summary.pods === 0
      ? `No pods are pending because of ${maintenance.id}'s nodes.`
      : `*${plural(summary.pods, 'pod')} pending* because of ${maintenance.id}'s nodes${summary.gpus > 0 ? `, requesting ${plural(summary.gpus, 'GPU')}` : ''}.`;
  const lines = [head];
  if (summary.byTeam.length > 0) {
    const teams = summary.byTeam.map(
      (team) => `*${escapeMrkdwn(team.team)}* ${team.pods}${team.gpus > 0 ? ` (${plural(team.gpus, 'GPU')})` : ''}`,
    );
    lines.push(`By team: ${joinWithMore(teams, { maxItems: 20, maxChars: 900 })}`);
  }
  if (summary.byReason.length > 0) {
    lines.push(
      `By reason: ${joinWithMore(
        summary.byReason.map((entry) => `${escapeMrkdwn(entry.reason)} ${entry.pods}`),
        { maxItems: 10, maxChars: 600 },
      )}`,
    );
  }
  if (summary.oldestSince !== null) lines.push(`Oldest pending since ${slackDate(summary.oldestSince)}.`);
  if (summary.examples.length > 0) {
    lines.push(
      `For example: ${joinWithMore(
        summary.examples.map((name) => `\`${escapeMrkdwn(name)}\``),
        { maxItems: 5, maxChars: 500 },
      )}`,
    );
  }
  const note = windowOpen
    ? 'Expected while the window is open; no alert is raised for these pods until it ends. Updated in place.'
    : 'The window has ended: pods still pending now raise pending-pod alerts, which name this maintenance.';
  const blocks = [
    {
      type: 'section',
      block_id: 'pending',
      text: { type: 'mrkdwn', text: truncate(lines.join('\n'), LIMITS.sectionText) },
    },
    { type: 'context', block_id: 'pending_note', elements: [{ type: 'mrkdwn', text: note }] },
  ];
  return {
    text: truncate(
      `${maintenance.id}: ${plural(summary.pods, 'pod')} pending because of its nodes.`,
      LIMITS.fallbackText,
    ),
    blocks,
  };
}

/** Builds the thread reply that escalates nodes still not back after the window. */
export function overdueMessage(input: {
  maintenance: Maintenance;
  level: number;
  stuck: number;
  mentions: string[];
  /** Why a level has no one to mention, naming the config field that would fix it. */
  missingTargets: string | null;
  now: Date;
  actor: string;
}): MessagePayload {
  const overdueFor = formatDuration(input.now.getTime() - Date.parse(input.maintenance.windowEnd));
  const who = input.mentions.length > 0 ? input.mentions.join(' ') : '_nobody to mention_';
  const by = input.actor === 'pitstop' ? '' : ` by ${mentionActor(input.actor)}`;
  const lines = [
    `:rotating_light: *Escalation level ${input.level}*${by}: ${plural(input.stuck, 'node')} of ${input.maintenance.id} not back ${overdueFor} after the window ended. ${who}`,
  ];
  if (input.missingTargets !== null) lines.push(`_${escapeMrkdwn(input.missingTargets)}_`);
  const text = truncate(lines.join('\n'), LIMITS.sectionText);
  return {
    text: truncate(text, LIMITS.fallbackText),
    blocks: [{ type: 'section', block_id: 'overdue', text: { type: 'mrkdwn', text } }],
  };
}

/** Builds a one-line thread reply that records an action and who took it. */
export function actionRecordMessage(text: string): MessagePayload {
  const body = truncate(text, LIMITS.sectionText);
  return {
    text: truncate(body, LIMITS.fallbackText),
    blocks: [{ type: 'section', block_id: 'record', text: { type: 'mrkdwn', text: body } }],
  };
}
