import type { Maintenance, MaintenanceNode, NodeRecoveryState, OverdueState } from '../../maintenance/model.js';
import { MAX_ESCALATION_LEVEL, NODE_STATES } from '../../maintenance/model.js';
import { canUncordon } from '../../maintenance/recovery.js';
import type { MessagePayload } from '../../store/outbox.js';
import { blockTextLength, escapeMrkdwn, joinWithMore, LIMITS, mentionActor, slackDate, truncate } from './common.js';
import { encodeMaintenanceValue, MAINTENANCE_ACTION_IDS, plural, slackAgo } from './maintenance-common.js';

/** Content of the recovery message of one channel. */
export interface RecoveryMessageInput {
  maintenance: Maintenance;
  /** Tracked nodes of the clusters this channel covers. */
  nodes: MaintenanceNode[];
  overdue: OverdueState | undefined;
  now: Date;
  /** Durations the Snooze menu offers, such as `1h`. */
  snoozeChoices: string[];
}

/** Block text the recovery message stays under; Slack rejects messages somewhere near 12,000 characters. */
const TEXT_BUDGET = LIMITS.messageTextBudget - 500;
const MAX_GROUPS = 12;
const EVIDENCE_MAX = 90;

const STATE_LABEL: Record<NodeRecoveryState, string> = {
  validated: 'validated',
  returned: 'returned',
  failed: 'failed',
  down: 'down',
  draining: 'draining',
  scheduled: 'not started',
};

function stuckSince(node: MaintenanceNode): string {
  return node.failingSince ?? node.stateSince;
}

interface TailGroup {
  key: string;
  title: string;
  nodes: MaintenanceNode[];
}

function groupOf(node: MaintenanceNode): { key: string; title: string } {
  if (node.state === 'down' && !node.present) return { key: 'missing', title: 'Not in the cluster' };
  if (node.state === 'down') return { key: 'down', title: 'Down (not Ready)' };
  if (node.state === 'draining') return { key: 'draining', title: 'Cordoned for the maintenance, not back yet' };
  if (node.state === 'scheduled') return { key: 'scheduled', title: 'Not started' };
  if (canUncordon(node)) return { key: 'uncordon', title: 'Validated except the cordon: ready to uncordon' };
  const check = node.failingCheck ?? 'unknown';
  if (node.state === 'failed') return { key: `fail:${check}`, title: `Check \`${check}\` fails` };
  return { key: `pending:${check}`, title: `Check \`${check}\` not passed yet` };
}

/**
 * Groups the nodes not validated by cause. Groups come in the order of their longest-stuck node, and nodes
 * within a group longest-stuck first, so the tail reads oldest first across groups. Ties go to the larger group.
 */
export function longTail(nodes: readonly MaintenanceNode[]): TailGroup[] {
  const groups = new Map<string, TailGroup>();
  for (const node of nodes) {
    if (node.state === 'validated') continue;
    const { key, title } = groupOf(node);
    const group = groups.get(key) ?? { key, title, nodes: [] };
    group.nodes.push(node);
    groups.set(key, group);
  }
  for (const group of groups.values()) {
    group.nodes.sort((a, b) => stuckSince(a).localeCompare(stuckSince(b)) || a.node.localeCompare(b.node));
  }
  const oldest = (group: TailGroup): string => stuckSince(group.nodes[0]!);
  return [...groups.values()].sort(
    (a, b) => oldest(a).localeCompare(oldest(b)) || b.nodes.length - a.nodes.length || a.key.localeCompare(b.key),
  );
}

function evidenceOf(node: MaintenanceNode): string {
  const check = node.checks.find((entry) => entry.name === node.failingCheck);
  if (check === undefined) return node.present ? '' : 'missing from the node list';
  return truncate(check.evidence, EVIDENCE_MAX);
}

function nodeLine(node: MaintenanceNode): string {
  const place = [node.rack, node.sku].filter((part) => part !== null).map((part) => escapeMrkdwn(part!));
  const vendor = node.instanceId === null ? node.vendor : `${node.vendor} ${node.instanceId}`;
  const since = `since ${slackAgo(stuckSince(node))}`;
  const evidence = evidenceOf(node);
  const parts = [`\`${escapeMrkdwn(node.node)}\``, ...place, escapeMrkdwn(vendor), since];
  return `${parts.join(' · ')}${evidence === '' ? '' : ` — ${escapeMrkdwn(evidence)}`}`;
}

function groupBlock(group: TailGroup, maxChars: number): unknown {
  const heading = `*${group.title}* (${plural(group.nodes.length, 'node')})\n`;
  const room = Math.max(100, Math.min(maxChars, LIMITS.sectionText) - heading.length);
  const lines = joinWithMore(group.nodes.map(nodeLine), {
    maxItems: group.nodes.length,
    maxChars: room,
    separator: '\n',
  });
  return {
    type: 'section',
    block_id: `tail_${group.key}`.slice(0, LIMITS.blockId),
    text: { type: 'mrkdwn', text: `${heading}${lines}` },
  };
}

/** Latest state change of any node; the message shows it instead of the render time so a re-render without changes is identical. */
function lastChange(nodes: readonly MaintenanceNode[]): string | null {
  return nodes.reduce<string | null>(
    (latest, node) => (latest === null || node.stateSince > latest ? node.stateSince : latest),
    null,
  );
}

function countBy<T>(items: readonly T[], key: (item: T) => string): Map<string, T[]> {
  const map = new Map<string, T[]>();
  for (const item of items) map.set(key(item), [...(map.get(key(item)) ?? []), item]);
  return map;
}

function gpusBack(nodes: readonly MaintenanceNode[]): number {
  return nodes.filter((node) => node.state === 'validated').reduce((sum, node) => sum + node.gpusAllocatable, 0);
}

function gpusExpected(nodes: readonly MaintenanceNode[]): number {
  return nodes.reduce((sum, node) => sum + node.gpusExpected, 0);
}

function breakdownBlocks(nodes: readonly MaintenanceNode[]): unknown[] {
  const states = NODE_STATES.map((state) => [state, nodes.filter((node) => node.state === state).length] as const)
    .filter(([, count]) => count > 0)
    .map(([state, count]) => `${STATE_LABEL[state]} ${count.toLocaleString('en-US')}`);
  const skus = [...countBy(nodes, (node) => node.sku ?? 'no GPU product label')].map(
    ([sku, group]) =>
      `${escapeMrkdwn(sku)}: ${group.filter((node) => node.state === 'validated').length} of ${plural(group.length, 'node')}, ${gpusBack(group)} of ${plural(gpusExpected(group), 'GPU')} back`,
  );
  const racks = [...countBy(nodes, (node) => node.rack ?? 'no rack label')]
    .map(([rack, group]) => ({ rack, group, stuck: group.filter((node) => node.state !== 'validated').length }))
    .filter((entry) => entry.stuck > 0)
    .sort((a, b) => b.stuck - a.stuck || a.rack.localeCompare(b.rack))
    .map((entry) => `${escapeMrkdwn(entry.rack)} ${entry.group.length - entry.stuck}/${entry.group.length}`);
  const lines = [`*By state:* ${states.join(' · ') || 'no nodes tracked'}`];
  if (skus.length > 0) lines.push(`*By SKU:* ${joinWithMore(skus, { maxItems: 10, maxChars: 900, separator: ' · ' })}`);
  if (racks.length > 0)
    lines.push(`*Racks not fully back:* ${joinWithMore(racks, { maxItems: 60, maxChars: 900, separator: ' · ' })}`);
  return [{ type: 'section', block_id: 'breakdown', text: { type: 'mrkdwn', text: lines.join('\n') } }];
}

function escalationText(overdue: OverdueState | undefined, now: Date): string {
  if (overdue === undefined) return 'none';
  switch (overdue.state) {
    case 'open':
      return `level ${overdue.level} since ${slackDate(overdue.levelAt)}, not acknowledged`;
    case 'acknowledged':
      return `acknowledged by ${mentionActor(overdue.acknowledgedBy ?? 'unknown')} ${slackDate(overdue.acknowledgedAt ?? now.toISOString())}`;
    case 'snoozed':
      return `snoozed until ${slackDate(overdue.snoozedUntil ?? now.toISOString())} by ${mentionActor(overdue.snoozedBy ?? 'unknown')}`;
    case 'resolved':
      return `resolved ${slackDate(overdue.resolvedAt ?? now.toISOString())}`;
  }
}

function windowText(maintenance: Maintenance, now: Date): string {
  const verb = now.getTime() < Date.parse(maintenance.windowEnd) ? 'ends' : 'ended';
  return `${verb} ${slackDate(maintenance.windowEnd)}`;
}

function actionsBlock(input: RecoveryMessageInput, uncordonable: number): unknown | null {
  const { maintenance, overdue } = input;
  const elements: unknown[] = [];
  if (uncordonable > 0 && maintenance.state !== 'completed' && maintenance.state !== 'cancelled') {
    elements.push({
      type: 'button',
      action_id: MAINTENANCE_ACTION_IDS.uncordon,
      text: { type: 'plain_text', text: `Uncordon validated nodes (${uncordonable})` },
      value: encodeMaintenanceValue(maintenance.id),
    });
  }
  if (overdue !== undefined && overdue.state !== 'resolved') {
    if (overdue.state !== 'acknowledged') {
      elements.push({
        type: 'button',
        action_id: MAINTENANCE_ACTION_IDS.acknowledge,
        style: 'primary',
        text: { type: 'plain_text', text: 'Acknowledge' },
        value: encodeMaintenanceValue(maintenance.id),
      });
    }
    if (overdue.level < MAX_ESCALATION_LEVEL) {
      elements.push({
        type: 'button',
        action_id: MAINTENANCE_ACTION_IDS.escalate,
        text: { type: 'plain_text', text: `Escalate to level ${overdue.level + 1}` },
        value: encodeMaintenanceValue(maintenance.id, String(overdue.level + 1)),
      });
    }
    elements.push({
      type: 'static_select',
      action_id: MAINTENANCE_ACTION_IDS.snooze,
      placeholder: { type: 'plain_text', text: 'Snooze' },
      options: input.snoozeChoices.slice(0, LIMITS.selectOptions).map((choice) => ({
        text: { type: 'plain_text', text: `Snooze ${choice}` },
        value: encodeMaintenanceValue(maintenance.id, choice),
      })),
    });
  }
  return elements.length === 0 ? null : { type: 'actions', block_id: 'recovery_actions', elements };
}

/**
 * Builds the recovery message: progress by state, SKU and rack, GPUs back against the GPUs the nodes had
 * before, and the long tail grouped by cause with each node's failing check, time stuck and vendor. However
 * many nodes are stuck, the message stays one valid Block Kit message: groups past the character budget
 * list their longest-stuck nodes and count the rest.
 */
export function recoveryMessage(input: RecoveryMessageInput): MessagePayload {
  const { maintenance, nodes, now } = input;
  const validated = nodes.filter((node) => node.state === 'validated').length;
  const uncordonable = nodes.filter(canUncordon).length;
  const header = `:hourglass_flowing_sand: ${maintenance.id} recovery: ${validated} of ${plural(nodes.length, 'node')} validated`;
  const fields = [
    `*GPUs back*\n${gpusBack(nodes).toLocaleString('en-US')} of ${gpusExpected(nodes).toLocaleString('en-US')}`,
    `*Window*\n${windowText(maintenance, now)}`,
    `*Escalation*\n${escalationText(input.overdue, now)}`,
    `*Maintenance*\n${escapeMrkdwn(truncate(maintenance.title, 200))}`,
  ];
  const blocks: unknown[] = [
    {
      type: 'header',
      block_id: 'recovery_title',
      text: { type: 'plain_text', text: truncate(header, LIMITS.headerText), emoji: true },
    },
    { type: 'section', block_id: 'recovery_facts', fields: fields.map((text) => ({ type: 'mrkdwn', text })) },
    ...breakdownBlocks(nodes),
  ];
  blocks.push(...tailBlocks(nodes, TEXT_BUDGET - blockTextLength(blocks) - 400));
  const changed = lastChange(nodes);
  const footer = `${changed === null ? 'No node change yet' : `Last node change ${slackDate(changed)}`} · \`/pitstop recovery ${maintenance.id}\``;
  blocks.push({ type: 'context', block_id: 'recovery_footer', elements: [{ type: 'mrkdwn', text: footer }] });
  const actions = actionsBlock(input, uncordonable);
  if (actions !== null) blocks.push(actions);
  const tail = nodes.length - validated;
  const text = `${maintenance.id} recovery: ${validated}/${plural(nodes.length, 'node')} validated, ${gpusBack(nodes)}/${plural(gpusExpected(nodes), 'GPU')} back${tail > 0 ? `, ${plural(tail, 'node')} in the long tail` : ''}.`;
  return { text: truncate(text, LIMITS.fallbackText), blocks };
}

function tailBlocks(nodes: readonly MaintenanceNode[], budget: number): unknown[] {
  const groups = longTail(nodes);
  if (groups.length === 0) {
    return [
      {
        type: 'section',
        block_id: 'tail_none',
        text: {
          type: 'mrkdwn',
          text: nodes.length === 0 ? 'No nodes tracked yet.' : ':white_check_mark: Every node is validated.',
        },
      },
    ];
  }
  const shown = groups.slice(0, MAX_GROUPS);
  const stuck = groups.reduce((sum, group) => sum + group.nodes.length, 0);
  const intro = `*Long tail:* ${plural(stuck, 'node')} not validated, longest stuck first (node · rack · SKU · vendor · stuck since — evidence)`;
  const blocks: unknown[] = [{ type: 'section', block_id: 'tail_intro', text: { type: 'mrkdwn', text: intro } }];
  let remaining = budget - intro.length;
  shown.forEach((group, index) => {
    const share = Math.floor(remaining / (shown.length - index));
    const block = groupBlock(group, share);
    remaining -= blockTextLength([block]);
    blocks.push(block);
  });
  const hidden = groups.slice(MAX_GROUPS);
  if (hidden.length > 0) {
    const text = `…and ${plural(
      hidden.reduce((sum, group) => sum + group.nodes.length, 0),
      'node',
    )} in ${plural(hidden.length, 'other cause')}: ${joinWithMore(
      hidden.map((group) => group.title),
      { maxItems: 10, maxChars: 300 },
    )}`;
    blocks.push({ type: 'context', block_id: 'tail_more', elements: [{ type: 'mrkdwn', text }] });
  }
  return blocks;
}
