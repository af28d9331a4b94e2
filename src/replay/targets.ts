import { formatAlertId, listOpenAlerts, parseAlertId, getAlert, type Alert } from '../alerts/store.js';
import type { Db } from '../store/db.js';
import type { SlackStandIn, StandInMessage } from '../standins/slack-api.js';
import { ALERT_ACTION_IDS, decodeActionValue } from '../slack/messages/alert.js';
import { decodeMaintenanceValue, MAINTENANCE_ACTION_IDS } from '../slack/messages/maintenance.js';
import type { AlertSelector, Button } from './scenario-schema.js';

/** Thrown when a step names something the replay cannot find: no such alert, message or button. */
export class StepTargetError extends Error {
  override name = 'StepTargetError';
}

function describeSelector(selector: AlertSelector): string {
  return typeof selector === 'string' ? selector : JSON.stringify(selector);
}

function describeAlert(alert: Alert): string {
  const maintenance = alert.maintenanceId ? `, ${alert.maintenanceId}` : '';
  return `${formatAlertId(alert.id)} (${alert.cluster}, ${alert.team}, ${alert.state}${maintenance})`;
}

/** Finds the one unresolved alert a selector names, or throws listing the open alerts. */
export function selectAlert(db: Db, selector: AlertSelector): Alert {
  const open = listOpenAlerts(db);
  const listing = open.length > 0 ? open.map(describeAlert).join('; ') : 'none';
  if (typeof selector === 'string') {
    const id = parseAlertId(selector);
    const alert = id === null ? undefined : getAlert(db, id);
    if (!alert) throw new StepTargetError(`alert ${selector} does not exist (open alerts: ${listing})`);
    return alert;
  }
  const matches = open.filter(
    (alert) =>
      (selector.cluster === undefined || alert.cluster === selector.cluster) &&
      (selector.team === undefined || alert.team === selector.team) &&
      (selector.maintenance === undefined || alert.maintenanceId === selector.maintenance) &&
      (selector.text === undefined || alert.summary.includes(selector.text)),
  );
  if (matches.length === 1) return matches[0]!;
  const problem = matches.length === 0 ? 'matches no open alert' : `matches ${matches.length} open alerts`;
  throw new StepTargetError(`alert ${describeSelector(selector)} ${problem} (open alerts: ${listing}); narrow the selector`);
}

/** A button or menu option found on a message, and what a click on it sends. */
export interface ClickTarget {
  channel: string;
  message: StandInMessage;
  actionId: string;
  blockId: string;
  elementType: string;
  value: string;
  /** The option chosen in a menu, as block_actions carries it. */
  selectedOption?: { text: { type: 'plain_text'; text: string }; value: string };
  label: string;
}

interface BlockElement {
  type: string;
  action_id?: string;
  value?: string;
  text?: { text?: string };
  options?: { text: { type: 'plain_text'; text: string }; value: string }[];
}

/** Lists the messages of a channel with their thread replies, newest first, so a click finds the live message. */
function messagesOf(slack: SlackStandIn, channel: string): StandInMessage[] {
  const all: StandInMessage[] = [];
  for (const message of slack.messages(channel)) all.push(message, ...slack.thread(channel, message.ts));
  return all.reverse();
}

function elementsOf(message: StandInMessage): { blockId: string; element: BlockElement }[] {
  const found: { blockId: string; element: BlockElement }[] = [];
  for (const block of (message.blocks ?? []) as { type?: string; block_id?: string; elements?: BlockElement[]; accessory?: BlockElement }[]) {
    const blockId = block.block_id ?? '';
    if (block.type === 'actions') for (const element of block.elements ?? []) found.push({ blockId, element });
    if (block.accessory) found.push({ blockId, element: block.accessory });
  }
  return found;
}

/**
 * Finds the element a click step presses: the button (or menu option, for snooze) with the button's
 * action id whose value names the alert or maintenance. `value` picks the snooze duration.
 */
export function findClickTarget(
  slack: SlackStandIn,
  channels: string[],
  subject: { alertId: number } | { maintenanceId: string },
  button: Button,
  value: string | undefined,
): ClickTarget {
  const actionId = 'alertId' in subject ? ALERT_ACTION_IDS[button] : MAINTENANCE_ACTION_IDS[button];
  const names = (candidate: string | undefined): { argument: string | null } | null => {
    if ('alertId' in subject) {
      const decoded = decodeActionValue(candidate);
      return decoded && decoded.alertId === subject.alertId ? decoded : null;
    }
    const decoded = decodeMaintenanceValue(candidate);
    return decoded && decoded.id === subject.maintenanceId ? decoded : null;
  };
  const subjectText = 'alertId' in subject ? formatAlertId(subject.alertId) : subject.maintenanceId;
  for (const channel of channels) {
    for (const message of messagesOf(slack, channel)) {
      for (const { blockId, element } of elementsOf(message)) {
        if (element.action_id !== actionId) continue;
        if (element.type === 'button' && names(element.value)) {
          return { channel, message, actionId, blockId, elementType: 'button', value: element.value!, label: element.text?.text ?? button };
        }
        const option = (element.options ?? []).find((candidate) => {
          const decoded = names(candidate.value);
          return decoded !== null && (value === undefined || decoded.argument === value);
        });
        if (option) {
          return { channel, message, actionId, blockId, elementType: element.type, value: option.value, selectedOption: option, label: option.text.text };
        }
      }
    }
  }
  const choice = value === undefined ? '' : ` with value ${value}`;
  throw new StepTargetError(
    `no message in ${channels.join(', ')} shows a ${button} control${choice} for ${subjectText}; ` +
      'it may be acknowledged, resolved or not posted yet',
  );
}
