import { plural } from '../slack/messages/common.js';
import { renderChannels } from '../standins/slack-render.js';
import type { ScenarioReplay, StepRecord } from './runner.js';

/** Counts of a finished replay, as `pitstop replay` summarizes them. */
export interface ReplaySummary {
  scenario: string;
  steps: number;
  /** Scenario time covered, from the start to the last step. */
  scenarioMs: number;
  wallMs: number;
  /** chat.postMessage calls the dispatcher made that Slack accepted: messages and thread replies. */
  posted: number;
  /** chat.update calls that changed a message. */
  updated: number;
  /** Edits dropped because a newer edit of the same message replaced them before it was sent. */
  coalesced: number;
  ephemeral: number;
  retried: number;
  /** Outbox rows given up on. */
  dead: number;
  /** Messages Slack rejected for their blocks or length, delivered as their text alone. */
  shownAsText: number;
  /** Web API calls by method, as the Slack stand-in received them. */
  calls: Record<string, number>;
  failedExpectations: number;
  ruleErrors: Record<string, number>;
}

export function summarize(replay: ScenarioReplay): ReplaySummary {
  const stats = replay.stats();
  const calls: Record<string, number> = {};
  for (const call of replay.standIns.slack.calls) calls[call.method] = (calls[call.method] ?? 0) + 1;
  return {
    scenario: replay.scenario.name,
    steps: replay.records.length,
    scenarioMs: replay.clock.now().getTime() - replay.scenario.start.getTime(),
    wallMs: replay.wallMs(),
    posted: stats.posted,
    updated: stats.updated,
    coalesced: stats.coalesced,
    ephemeral: stats.ephemeral,
    retried: stats.retried,
    dead: stats.dead,
    shownAsText: stats.shownAsText,
    calls,
    failedExpectations: replay.expectations.filter((result) => !result.ok).length,
    ruleErrors: Object.fromEntries(replay.ruleErrors()),
  };
}

function formatSpan(milliseconds: number): string {
  const minutes = Math.round(milliseconds / 60_000);
  const days = Math.floor(minutes / 1440);
  const hours = Math.floor((minutes % 1440) / 60);
  const rest = minutes % 60;
  return [days > 0 ? `${days}d` : '', hours > 0 ? `${hours}h` : '', rest > 0 || minutes === 0 ? `${rest}m` : ''].join('');
}

/** `2025-06-10 10:05` in UTC. */
function formatTime(time: Date): string {
  return time.toISOString().slice(0, 16).replace('T', ' ');
}

/**
 * Formats the timeline entry of a step: time, cluster, what happened and why. Lines after the first line of
 * the detail, such as a command's reply, are indented below it.
 */
export function formatStep(record: StepRecord): string {
  const cluster = record.cluster ? ` ${record.cluster}` : '';
  const note = record.note ? ` (${record.note})` : '';
  const [first = '', ...rest] = record.detail.split('\n');
  const lines = [`${formatTime(record.at)}Z${cluster}  ${first}${note}`];
  for (const line of rest) lines.push(`      ${line}`);
  for (const warning of record.warnings) lines.push(`    warning: ${warning}`);
  return lines.join('\n');
}

/** Renders what every channel shows, as plain text. */
export function formatChannels(replay: ScenarioReplay): string {
  return renderChannels(replay.standIns.slack, { channelNames: replay.scenario.slack.channels.map((channel) => channel.name) });
}

export function formatSummary(summary: ReplaySummary): string {
  const lines = [
    `Replayed ${summary.scenario}: ${plural(summary.steps, 'step')} over ${formatSpan(summary.scenarioMs)} of scenario time ` +
      `in ${(summary.wallMs / 1000).toFixed(1)} s.`,
    `Slack: ${plural(summary.posted, 'message')} posted, ${plural(summary.updated, 'update')} (${summary.coalesced} coalesced), ` +
      `${summary.ephemeral} ephemeral, ${summary.retried} retried, ${summary.dead} failed.`,
  ];
  const failedRules = Object.entries(summary.ruleErrors);
  if (failedRules.length > 0) {
    lines.push(`Rule errors: ${failedRules.map(([rule, count]) => `${rule} ${count}`).join(', ')} (see the log on stderr).`);
  }
  if (summary.shownAsText > 0) {
    lines.push(`Slack rejected the layout of ${plural(summary.shownAsText, 'message')}, shown as text instead (see the log on stderr).`);
  }
  if (summary.failedExpectations > 0) lines.push(`${plural(summary.failedExpectations, 'expectation')} failed.`);
  return `${lines.join('\n')}\n`;
}
