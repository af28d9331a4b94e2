import type { Maintenance, MaintenanceNode, OverdueState } from '../../maintenance/model.js';
import { NODE_STATES } from '../../maintenance/model.js';
import { describeScope } from '../../maintenance/scope.js';
import type { TimelineEntry } from '../../store/outbox.js';
import { escapeMrkdwn, joinWithMore, mentionActor, plural, slackDate, truncate } from './common.js';
import { ownerText } from './maintenance-common.js';

const REPLY_MAX = 3900;

function stateText(state: Maintenance['state']): string {
  return state.replace('_', ' ');
}

function progressText(nodes: readonly MaintenanceNode[]): string {
  if (nodes.length === 0) return 'no nodes tracked yet';
  const validated = nodes.filter((node) => node.state === 'validated').length;
  return `${validated}/${plural(nodes.length, 'node')} validated`;
}

/** Formats `/pitstop maint list`: one line per maintenance. */
export function maintenanceListText(entries: { maintenance: Maintenance; nodes: MaintenanceNode[] }[]): string {
  if (entries.length === 0) return 'No maintenances. `/pitstop maint create` opens the form to add one.';
  const lines = entries.map(({ maintenance, nodes }) => {
    const clusters = maintenance.clusters.map((entry) => entry.cluster).join(', ');
    return `• *${maintenance.id}* ${escapeMrkdwn(truncate(maintenance.title, 80))} · ${stateText(maintenance.state)} · ${slackDate(maintenance.windowStart)} to ${slackDate(maintenance.windowEnd)} · ${escapeMrkdwn(clusters)} · ${progressText(nodes)}`;
  });
  return truncate(joinWithMore(lines, { maxItems: 30, maxChars: REPLY_MAX, separator: '\n' }), REPLY_MAX);
}

function overdueText(overdue: OverdueState | undefined): string {
  if (overdue === undefined) return 'none';
  if (overdue.state === 'acknowledged')
    return `level ${overdue.level}, acknowledged by ${mentionActor(overdue.acknowledgedBy ?? 'unknown')}`;
  if (overdue.state === 'snoozed')
    return `level ${overdue.level}, snoozed until ${slackDate(overdue.snoozedUntil ?? overdue.levelAt)}`;
  return `level ${overdue.level}, ${overdue.state}`;
}

/** Formats `/pitstop maint show ID`: one maintenance in detail, with its latest timeline entries. */
export function maintenanceDetailText(input: {
  maintenance: Maintenance;
  nodes: MaintenanceNode[];
  overdue: OverdueState | undefined;
  timeline: TimelineEntry[];
}): string {
  const { maintenance, nodes } = input;
  const byState = NODE_STATES.map((state) => [state, nodes.filter((node) => node.state === state).length] as const)
    .filter(([, count]) => count > 0)
    .map(([state, count]) => `${state} ${count}`)
    .join(', ');
  const lines = [
    `*${maintenance.id}* ${escapeMrkdwn(maintenance.title)}`,
    `State: ${stateText(maintenance.state)} · kind ${maintenance.kind.replace('_', ' ')} · vendor ${maintenance.vendor} · owner ${ownerText(maintenance.owner)}`,
    `Window: ${slackDate(maintenance.windowStart)} to ${slackDate(maintenance.windowEnd)}${maintenance.requiresReboot ? ' · nodes must reboot' : ''}`,
    ...maintenance.clusters.map(
      (entry) => `Cluster *${escapeMrkdwn(entry.cluster)}*: ${escapeMrkdwn(describeScope(entry.scope))}`,
    ),
    `Nodes: ${progressText(nodes)}${byState ? ` (${byState})` : ''}`,
    `Escalation: ${overdueText(input.overdue)}`,
    `Created from ${maintenance.source} by ${mentionActor(maintenance.createdBy)} ${slackDate(maintenance.createdAt)}`,
  ];
  const recent = input.timeline
    .slice(-10)
    .map(
      (entry) =>
        `  ${slackDate(entry.at)} ${mentionActor(entry.actor)} ${escapeMrkdwn(entry.action.replace(/_/g, ' '))}`,
    );
  if (recent.length > 0) lines.push('Latest changes:', ...recent);
  return truncate(lines.join('\n'), REPLY_MAX);
}
