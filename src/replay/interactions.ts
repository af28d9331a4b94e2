import { formatAlertId } from '../alerts/store.js';
import type { SlackStandIn } from '../standins/slack-api.js';
import { sendBlockAction, sendSlashCommand, type InteractionResponse } from '../standins/slack-interactions.js';
import { contentLines, plainText, renderChannels } from '../standins/slack-render.js';
import type { ScenarioReplay } from './runner.js';
import type { ScenarioStep } from './scenario.js';
import { findClickTarget, selectAlert, StepTargetError } from './targets.js';

type ClickStep = Extract<ScenarioStep, { action: 'click' }>;
type CommandStep = Extract<ScenarioStep, { action: 'command' }>;

function receiverUrl(replay: ScenarioReplay): string {
  const url = replay.engine.slack.url;
  if (url === undefined) throw new Error('the engine has no HTTP receiver to send interactions to');
  return url;
}

function checkAccepted(response: InteractionResponse, what: string): void {
  if (response.status !== 200) {
    throw new StepTargetError(`the Slack app responded to ${what} with HTTP ${response.status}: ${response.body.slice(0, 200)}`);
  }
}

/**
 * Clicks a button (or picks a menu option) on the message that shows it, as a signed block_actions request
 * to the engine's Bolt receiver. Returns what was clicked, for the timeline.
 */
export async function sendClick(replay: ScenarioReplay, step: ClickStep): Promise<string> {
  const slack = replay.standIns.slack;
  const subject: { alertId: number; maintenanceId?: undefined } | { alertId?: undefined; maintenanceId: string } =
    step.alert !== undefined ? { alertId: selectAlert(replay.engine.db, step.alert).id } : { maintenanceId: step.maintenance! };
  const channels = replay.config.clusters.map((cluster) => cluster.channel);
  const target = findClickTarget(slack, [...new Set(channels)], subject, step.button, step.value);
  const response = await sendBlockAction(receiverUrl(replay), replay.standIns.signingSecret, {
    userId: step.user,
    userName: slack.userName(step.user) ?? step.user,
    teamId: slack.identity.teamId,
    channelId: target.channel,
    channelName: slack.channelName(target.channel) ?? target.channel,
    messageTs: target.message.ts,
    actionId: target.actionId,
    blockId: target.blockId,
    actionType: target.elementType,
    actionText: target.label,
    ...(target.elementType === 'button' ? { value: target.value } : {}),
    ...(target.selectedOption ? { selectedOption: { text: target.selectedOption.text.text, value: target.selectedOption.value } } : {}),
    message: {
      text: target.message.text,
      ...(target.message.blocks !== undefined ? { blocks: target.message.blocks } : {}),
      user: target.message.user,
      ...(target.message.botId !== undefined ? { botId: target.message.botId } : {}),
      ...(target.message.threadTs !== undefined ? { threadTs: target.message.threadTs } : {}),
    },
    triggerId: slack.issueTriggerId({ user: step.user }),
    responseUrl: slack.issueResponseUrl({ channel: target.channel, user: step.user, messageTs: target.message.ts }),
  });
  checkAccepted(response, `the ${step.button} click`);
  const name = subject.alertId !== undefined ? formatAlertId(subject.alertId) : step.maintenance;
  return `${slack.userName(step.user) ?? step.user} clicked "${target.label}" on ${name} in #${slack.channelName(target.channel)}`;
}

/** Types a slash command in a channel, as a signed request to the engine's Bolt receiver. */
export async function sendCommand(replay: ScenarioReplay, step: CommandStep): Promise<string> {
  const slack = replay.standIns.slack;
  const text = step.alert === undefined ? step.text : step.text.replaceAll('{alert}', formatAlertId(selectAlert(replay.engine.db, step.alert).id));
  const response = await sendSlashCommand(receiverUrl(replay), replay.standIns.signingSecret, {
    command: step.command,
    text,
    userId: step.user,
    userName: slack.userName(step.user) ?? step.user,
    channelId: step.channel,
    channelName: slack.channelName(step.channel) ?? step.channel,
    teamId: slack.identity.teamId,
    triggerId: slack.issueTriggerId({ user: step.user }),
    responseUrl: slack.issueResponseUrl({ channel: step.channel, user: step.user }),
  });
  checkAccepted(response, step.command);
  const reply = replyLines(slack, response);
  const typed = `${slack.userName(step.user) ?? step.user} typed "${step.command} ${text}" in #${slack.channelName(step.channel)}`;
  return reply.length === 0 ? typed : [`${typed}, reply:`, ...reply].join('\n');
}

/**
 * Renders the whole immediate response of a command, when Bolt's ack carried one, as the channel renderer
 * shows a message: dates, mentions and links become plain text. A reply sent later through response_url is
 * not part of the ack and so is not shown here.
 */
function replyLines(slack: SlackStandIn, response: InteractionResponse): string[] {
  const json = response.json as { text?: unknown; blocks?: unknown } | undefined;
  let lines: string[];
  if (json && typeof json.text === 'string') {
    lines = contentLines(slack, { text: json.text, ...(Array.isArray(json.blocks) ? { blocks: json.blocks } : {}) });
  } else {
    lines = plainText(slack, response.body.trim()).split('\n');
  }
  while (lines.length > 0 && lines[lines.length - 1]!.trim() === '') lines.pop();
  return lines;
}

/** Renders what a channel shows now, as the replay prints it. `expect` steps search this text. */
export function channelText(slack: SlackStandIn, channelId: string): string {
  return renderChannels(slack, { channelNames: [channelId] });
}
