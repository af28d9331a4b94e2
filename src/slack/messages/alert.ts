import { describeBreakdownEntry } from '../../alerts/blocking.js';
import { describeCause } from '../../alerts/cause.js';
import { maintenanceSentence, summaryLine, type AlertSnapshot } from '../../alerts/snapshot.js';
import { formatAlertId, type Alert } from '../../alerts/store.js';
import type { EscalationTarget } from '../../alerts/targets.js';
import type { MessagePayload } from '../../store/outbox.js';
import { escapeMrkdwn, joinWithMore, LIMITS, mentionActor, mentionUserGroup, plural, slackDate, truncate } from './common.js';

/** Action ids of the alert message's interactive elements; the handlers register exactly these. */
export const ALERT_ACTION_IDS = {
  acknowledge: 'alert_acknowledge',
  escalate: 'alert_escalate',
  snooze: 'alert_snooze',
} as const;

/** Inputs of the alert message besides the alert row. */
export interface AlertMessageInput {
  alert: Alert;
  /** The level an Escalate click raises the alert to, or `null` when no further level exists. */
  nextEscalation: EscalationTarget | null;
  /** Durations offered by the Snooze menu, such as `1h`. */
  snoozeChoices: string[];
  /**
   * Why nobody will be paged for this alert, when its team has no escalation level at all (a namespace that
   * no team declares). The message states it, so the channel knows the alert waits for a person to notice.
   */
  noEscalation?: string;
}

/**
 * Encodes an action value as `AL-<id>` or `AL-<id>:<argument>`. The argument is the target level for
 * Escalate and the duration for Snooze, so a second click on the same rendered message requests the same
 * change, which the guarded transition turns into a no-op.
 */
export function encodeActionValue(alertId: number, argument?: string): string {
  return argument === undefined ? formatAlertId(alertId) : `${formatAlertId(alertId)}:${argument}`;
}

/** Reads a value written by {@link encodeActionValue}; returns `null` when it is not one. */
export function decodeActionValue(value: string | undefined): { alertId: number; argument: string | null } | null {
  const match = /^AL-(\d{1,12})(?::(.{1,40}))?$/.exec(value ?? '');
  if (!match) return null;
  return { alertId: Number(match[1]), argument: match[2] ?? null };
}

const STATE_EMOJI: Record<Alert['state'], string> = {
  open: ':rotating_light:',
  escalated: ':rotating_light:',
  acknowledged: ':eyes:',
  snoozed: ':zzz:',
  resolved: ':white_check_mark:',
};

function pods(count: number): string {
  return plural(count, 'pod');
}

function headerText(alert: Alert): string {
  const snapshot = alert.snapshot;
  const prefix = alert.state === 'resolved' ? 'Resolved: ' : '';
  const text = `${STATE_EMOJI[alert.state]} ${prefix}${pods(snapshot.podCount)} pending on ${snapshot.cluster} · ${snapshot.team}`;
  return truncate(text, LIMITS.headerText);
}

function causeSection(snapshot: AlertSnapshot): string {
  const lines = [`*Cause:* ${escapeMrkdwn(describeCause(snapshot.cause))}`];
  const maintenance = maintenanceSentence(snapshot);
  if (maintenance) lines.push(escapeMrkdwn(`${maintenance}.`));
  // With nodes to list, the blocking-nodes section states the summary instead.
  else if (snapshot.blocking.summary && snapshot.blocking.nodeCount === 0) lines.push(escapeMrkdwn(`${capitalise(snapshot.blocking.summary)}.`));
  const label = snapshot.cause.category === 'never_fits' ? 'Requests' : 'Scheduler';
  lines.push(`>_${label}:_ ${escapeMrkdwn(truncate(snapshot.cause.text, 600))}`);
  return truncate(lines.join('\n'), LIMITS.sectionText);
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

function fields(alert: Alert): { type: 'mrkdwn'; text: string }[] {
  const snapshot = alert.snapshot;
  const namespaces = joinWithMore(snapshot.namespaces.map((namespace) => `\`${escapeMrkdwn(namespace)}\``), {
    maxItems: 5,
    maxChars: 400,
  });
  const hiddenNamespaces = snapshot.namespaceCount - snapshot.namespaces.length;
  const entries: [string, string][] = [
    ['Alert', formatAlertId(alert.id)],
    ['Pods', pods(snapshot.podCount)],
    ['Cluster', escapeMrkdwn(snapshot.cluster)],
    ['Team', escapeMrkdwn(snapshot.team)],
    ['Pending since', snapshot.since ? slackDate(snapshot.since) : 'unknown'],
    ['Namespaces', hiddenNamespaces > 0 ? `${namespaces} and ${hiddenNamespaces} more` : namespaces],
  ];
  return entries.map(([title, value]) => ({ type: 'mrkdwn', text: truncate(`*${title}*\n${value}`, LIMITS.fieldText) }));
}

function workloadsSection(snapshot: AlertSnapshot): string {
  const lines = snapshot.workloads.map(
    (workload) =>
      `• ${escapeMrkdwn(truncate(`${workload.kind}/${workload.name}`, 120))} in \`${escapeMrkdwn(truncate(workload.namespace, 63))}\`: ${pods(workload.count)}`,
  );
  const hidden = snapshot.workloadCount - snapshot.workloads.length;
  const hiddenPods = snapshot.podCount - snapshot.workloads.reduce((total, workload) => total + workload.count, 0);
  const list = joinWithMore(lines, { maxItems: 10, maxChars: 2000, separator: '\n' });
  const tail = hidden > 0 ? `\n…and ${plural(hidden, 'more workload')} with ${pods(hiddenPods)}` : '';
  return truncate(`*Top workloads*\n${list}${tail}`, LIMITS.sectionText);
}

function blockingSection(snapshot: AlertSnapshot): string | null {
  const blocking = snapshot.blocking;
  if (blocking.nodeCount === 0) return null;
  const lines = [`*Blocking nodes:* ${escapeMrkdwn(blocking.summary ?? plural(blocking.nodeCount, 'node'))}`];
  if (blocking.breakdown.length > 0) {
    const parts = blocking.breakdown.map((entry) =>
      escapeMrkdwn(describeBreakdownEntry(blocking.kind, { label: truncate(entry.label, 100), count: entry.count })),
    );
    lines.push(joinWithMore(parts, { maxItems: 8, maxChars: 600 }));
  }
  const names = blocking.nodes.map((name) => `\`${escapeMrkdwn(truncate(name, 80))}\``);
  const listed = joinWithMore(names, { maxItems: 20, maxChars: 1500 });
  const hidden = blocking.nodeCount - blocking.nodes.length;
  lines.push(hidden > 0 ? `${listed} and ${hidden} more` : listed);
  return truncate(lines.join('\n'), LIMITS.sectionText);
}

function maintenanceContext(snapshot: AlertSnapshot): string | null {
  const sentence = maintenanceSentence(snapshot);
  if (!sentence || !snapshot.maintenance) return null;
  return truncate(`:wrench: ${escapeMrkdwn(`${snapshot.maintenance.id} (${snapshot.maintenance.title}): ${sentence}`)}`, 1000);
}

/** States who did what and when, such as "Acknowledged by @ana at 14:07". */
export function stateLine(alert: Alert): string {
  const parts: string[] = [];
  if (alert.state === 'resolved') {
    const at = alert.resolvedAt ? ` at ${slackDate(alert.resolvedAt)}` : '';
    parts.push(`Resolved${at} by ${alert.resolvedBy ? mentionActor(alert.resolvedBy) : 'Pitstop'}.`);
  } else if (alert.acknowledgedBy) {
    parts.push(`Acknowledged by ${mentionActor(alert.acknowledgedBy)} at ${slackDate(alert.acknowledgedAt ?? alert.updatedAt)}.`);
  } else {
    parts.push(`Opened at ${slackDate(alert.openedAt)}, not acknowledged yet.`);
  }
  if (alert.escalationLevel > 0 && alert.escalatedAt) {
    const by = alert.escalatedBy ? mentionActor(alert.escalatedBy) : 'Pitstop';
    parts.push(`Escalated to level ${alert.escalationLevel} by ${by} at ${slackDate(alert.escalatedAt)}.`);
  }
  if (alert.state === 'snoozed' && alert.snoozedUntil) {
    const by = alert.snoozedBy ? ` by ${mentionActor(alert.snoozedBy)}` : '';
    parts.push(`Snoozed${by} until ${slackDate(alert.snoozedUntil)}.`);
  }
  return parts.join(' ');
}

function actionsBlock(input: AlertMessageInput): Record<string, unknown> | null {
  const alert = input.alert;
  if (alert.state === 'resolved') return null;
  const elements: Record<string, unknown>[] = [];
  if (!alert.acknowledgedBy) {
    elements.push({
      type: 'button',
      action_id: ALERT_ACTION_IDS.acknowledge,
      text: { type: 'plain_text', text: 'Acknowledge' },
      style: 'primary',
      value: encodeActionValue(alert.id),
    });
  }
  if (input.nextEscalation) {
    elements.push({
      type: 'button',
      action_id: ALERT_ACTION_IDS.escalate,
      text: { type: 'plain_text', text: `Escalate to level ${input.nextEscalation.level}` },
      value: encodeActionValue(alert.id, String(input.nextEscalation.level)),
    });
  }
  const choices = input.snoozeChoices.slice(0, LIMITS.selectOptions);
  if (choices.length > 0) {
    elements.push({
      type: 'static_select',
      action_id: ALERT_ACTION_IDS.snooze,
      placeholder: { type: 'plain_text', text: 'Snooze' },
      options: choices.map((choice) => ({
        text: { type: 'plain_text', text: truncate(`Snooze ${choice}`, LIMITS.optionText) },
        value: encodeActionValue(alert.id, choice),
      })),
    });
  }
  if (elements.length === 0) return null;
  // A new block_id per state makes Slack clients drop a stale menu selection after the message changes.
  return { type: 'actions', block_id: `alert-actions:${alert.state}:${alert.escalationLevel}`, elements };
}

/** Builds the alert's channel message: header, cause, counts, workloads, blocking nodes, state and buttons. */
export function buildAlertMessage(input: AlertMessageInput): MessagePayload {
  const alert = input.alert;
  const snapshot = alert.snapshot;
  const blocks: Record<string, unknown>[] = [
    { type: 'header', text: { type: 'plain_text', text: headerText(alert) } },
    { type: 'section', text: { type: 'mrkdwn', text: causeSection(snapshot) } },
    { type: 'section', fields: fields(alert) },
  ];
  if (snapshot.workloads.length > 0) blocks.push({ type: 'section', text: { type: 'mrkdwn', text: workloadsSection(snapshot) } });
  const blocking = blockingSection(snapshot);
  if (blocking) blocks.push({ type: 'section', text: { type: 'mrkdwn', text: blocking } });
  const maintenance = maintenanceContext(snapshot);
  if (maintenance) blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: maintenance }] });
  let unpaged = '';
  if (input.noEscalation && !alert.acknowledgedBy && alert.state !== 'resolved') {
    unpaged = ` Nobody will be paged: ${escapeMrkdwn(input.noEscalation)}.`;
  }
  blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: truncate(`${stateLine(alert)}${unpaged}`, LIMITS.sectionText) }] });
  const actions = actionsBlock(input);
  if (actions) blocks.push(actions);
  const prefix = alert.state === 'resolved' ? 'Resolved: ' : '';
  const text = truncate(`${prefix}${formatAlertId(alert.id)}: ${summaryLine(snapshot)}`, 500);
  return { text, blocks };
}

/** Builds a thread reply from mrkdwn text; `broadcast` also shows it in the channel. */
function reply(text: string, broadcast = false): MessagePayload {
  const payload: MessagePayload = { text: truncate(text, LIMITS.fallbackText) };
  if (broadcast) payload.options = { reply_broadcast: true };
  return payload;
}

export function buildAcknowledgedReply(alert: Alert): MessagePayload {
  return reply(`Acknowledged by ${mentionActor(alert.acknowledgedBy ?? 'unknown')} at ${slackDate(alert.acknowledgedAt ?? alert.updatedAt)}.`);
}

/**
 * Builds the escalation reply. It mentions the user group and is broadcast to the channel, so the people
 * it pages see it even if they do not follow the thread.
 */
export function buildEscalatedReply(alert: Alert, target: EscalationTarget, reason: string | null): MessagePayload {
  const by = alert.escalatedBy ? mentionActor(alert.escalatedBy) : 'Pitstop';
  const reasonText = reason ? ` ${escapeMrkdwn(reason)}` : '';
  return reply(
    `${mentionUserGroup(target.userGroup)} ${formatAlertId(alert.id)} escalated to level ${target.level} by ${by}.${reasonText}\n${escapeMrkdwn(summaryLine(alert.snapshot))}`,
    true,
  );
}

export function buildSnoozedReply(alert: Alert): MessagePayload {
  const by = alert.snoozedBy ? mentionActor(alert.snoozedBy) : 'Pitstop';
  return reply(`Snoozed by ${by} until ${slackDate(alert.snoozedUntil ?? alert.updatedAt)}.`);
}

export function buildWokeReply(alert: Alert): MessagePayload {
  return reply(`Snooze ended; ${formatAlertId(alert.id)} is ${alert.state === 'acknowledged' ? 'acknowledged' : 'waiting for an acknowledgement'} again. ${escapeMrkdwn(summaryLine(alert.snapshot))}`);
}

export function buildPodsChangedReply(previous: number, snapshot: AlertSnapshot): MessagePayload {
  const direction = snapshot.podCount > previous ? 'up' : 'down';
  return reply(`Now ${pods(snapshot.podCount)} pending (${direction} from ${previous.toLocaleString('en-US')}).`);
}

export function buildExplanationReply(snapshot: AlertSnapshot): MessagePayload {
  const detail = maintenanceSentence(snapshot) ?? snapshot.blocking.summary ?? snapshot.cause.text;
  return reply(`Cause update: ${escapeMrkdwn(detail)}.`);
}

export function buildResolvedReply(alert: Alert, reason: string): MessagePayload {
  return reply(`Resolved at ${slackDate(alert.resolvedAt ?? alert.updatedAt)}: ${escapeMrkdwn(reason)}.`);
}
