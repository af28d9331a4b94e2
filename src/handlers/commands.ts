import type { App, RespondArguments } from '@slack/bolt';
import { applyAlertAction, MAX_SNOOZE_LABEL, MAX_SNOOZE_MS, type AlertAction } from '../alerts/actions.js';
import { deriveGroups } from '../alerts/grouping.js';
import { findOpenAlert, formatAlertId, parseAlertId, type Alert } from '../alerts/store.js';
import { parseDuration } from '../config/schema.js';
import type { PitstopContext } from '../context.js';
import { linkToMaintenance } from '../maintenance/link.js';
import { escapeMrkdwn, joinWithMore, mentionActor, plural, truncate } from '../slack/messages/common.js';
import { maintenanceSentence, summariseGroup } from '../alerts/snapshot.js';
import { claimInteraction } from './actions.js';
import { UsageError, type Subcommand, type SubcommandInput, type SubcommandReply } from './subcommands.js';

/** The one slash command Pitstop registers; everything else is a subcommand of it. */
export const SLASH_COMMAND = '/pitstop';

/**
 * How long the router waits for a subcommand before acknowledging with an empty body and sending the
 * reply through response_url instead. Slack drops a command that is not acknowledged within 3 seconds.
 */
const INLINE_REPLY_BUDGET_MS = 2000;

function usageText(subcommand: Subcommand): string {
  return subcommand.usage.map((line) => `\`${SLASH_COMMAND} ${line}\``).join('\n');
}

/** Removes the mrkdwn marks and trailing punctuation an id picks up when copied from a message: `*AL-12*`, `AL-12,`. */
function stripCopiedFormatting(text: string): string {
  return text.replace(/[.,;:!?]+$/, '').replace(/^([*_~`]+)(.*?)\1$/, '$2');
}

function alertIdArgument(args: string[], subcommand: string, usage: string): number {
  const text = args[0];
  if (text === undefined) throw new UsageError(`${subcommand} needs an alert id such as AL-12`, usage);
  const id = parseAlertId(stripCopiedFormatting(text));
  if (id === null) throw new UsageError(`"${text}" is not an alert id; expected one such as AL-12`, usage);
  return id;
}

function alertActionReply(input: SubcommandInput, id: number, action: AlertAction): SubcommandReply {
  const outcome = applyAlertAction(input.ctx, id, action, input.userId);
  if (outcome.changed) input.ctx.requestReconcile();
  return { text: outcome.text };
}

/** Builds a subcommand that takes one alert id and applies one action to it. */
function alertIdSubcommand(name: string, summary: string, action: AlertAction): Subcommand {
  const subcommand: Subcommand = {
    name,
    usage: [`${name} ID`],
    summary,
    async run(input) {
      const usage = usageText(subcommand);
      if (input.args.length > 1) throw new UsageError(`${name} takes exactly one alert id`, usage);
      return alertActionReply(input, alertIdArgument(input.args, name, usage), action);
    },
  };
  return subcommand;
}

const ackSubcommand = alertIdSubcommand('ack', 'acknowledge an alert, such as AL-12', { kind: 'acknowledge' });

const escalateSubcommand = alertIdSubcommand(
  'escalate',
  "escalate an alert one level: the team's user group, then its escalateTo group",
  { kind: 'escalate' },
);

const snoozeSubcommand: Subcommand = {
  name: 'snooze',
  usage: ['snooze ID DURATION'],
  summary: 'snooze an alert for a duration such as 30m, 4h or 1d',
  async run(input) {
    const usage = usageText(snoozeSubcommand);
    if (input.args.length !== 2) throw new UsageError('snooze takes an alert id and a duration', usage);
    const id = alertIdArgument(input.args, 'snooze', usage);
    const label = input.args[1]!;
    let durationMs: number;
    try {
      durationMs = parseDuration(label);
    } catch (error) {
      throw new UsageError((error as Error).message, usage);
    }
    if (durationMs <= 0) throw new UsageError(`snooze duration "${label}" must be longer than zero`, usage);
    if (!Number.isFinite(durationMs) || durationMs > MAX_SNOOZE_MS) {
      throw new UsageError(`snooze duration "${label}" is longer than the maximum of ${MAX_SNOOZE_LABEL}`, usage);
    }
    return alertActionReply(input, id, { kind: 'snooze', durationMs, label });
  },
};

function alertLabel(alert: Alert | undefined): string {
  if (!alert) return 'no alert yet';
  const id = `*${formatAlertId(alert.id)}*`;
  if (alert.acknowledgedBy) return `${id}, acknowledged by ${mentionActor(alert.acknowledgedBy)}`;
  if (alert.state === 'snoozed') return `${id}, snoozed`;
  if (alert.escalationLevel > 0) return `${id}, escalated to level ${alert.escalationLevel}`;
  return `${id}, not acknowledged`;
}

/** Lists a cluster's pending-pod groups with their alerts, as the fleet shows them now. */
export function describePending(ctx: PitstopContext, cluster: string): string {
  if (!ctx.fleet.synced(cluster)) return `*${cluster}*: the cluster is still loading; try again in a minute.`;
  const groups = deriveGroups(ctx, cluster);
  const header = `*${cluster}*: ${groups.length === 0 ? 'no pods pending' : `${plural(groups.length, 'group')} of pending pods`} (pods count once unschedulable for ${ctx.config.alerting.pendingAfter})`;
  const lines = groups.map((group) => {
    const link = linkToMaintenance(ctx, cluster, group.blocking.nodes);
    const snapshot = summariseGroup(group, link);
    const pods = plural(group.pods.length, 'pod');
    const detail = maintenanceSentence(snapshot) ?? snapshot.blocking.summary ?? snapshot.cause.text;
    const status = link?.inWindow
      ? `summarised in the thread of ${link.maintenanceId} while its window is open`
      : alertLabel(findOpenAlert(ctx.db, group.key));
    return `• ${pods}, team ${escapeMrkdwn(group.team)}, ${escapeMrkdwn(group.cause.key)}: ${escapeMrkdwn(truncate(detail, 200))} (${status})`;
  });
  return truncate([header, joinWithMore(lines, { maxItems: 20, maxChars: 3500, separator: '\n' })].filter(Boolean).join('\n'), 3900);
}

const pendingSubcommand: Subcommand = {
  name: 'pending',
  usage: ['pending [CLUSTER]'],
  summary: "list pending-pod groups and their alerts; default: this channel's clusters",
  async run(input) {
    const usage = usageText(pendingSubcommand);
    const known = input.ctx.config.clusters.map((cluster) => cluster.name);
    if (input.args.length > 1) throw new UsageError('pending takes at most one cluster name', usage);
    const named = input.args[0];
    if (named !== undefined && !known.includes(named)) {
      throw new UsageError(`unknown cluster "${named}"; known clusters: ${known.join(', ')}`, usage);
    }
    const clusters =
      named !== undefined
        ? [named]
        : input.ctx.config.clusters.filter((cluster) => cluster.channel === input.channelId).map((cluster) => cluster.name);
    if (clusters.length === 0) {
      throw new UsageError(`this channel belongs to no cluster; name one of: ${known.join(', ')}`, usage);
    }
    return { text: clusters.map((cluster) => describePending(input.ctx, cluster)).join('\n\n') };
  },
};

/** The subcommands this module implements; the router adds `help`. */
export const alertSubcommands: Subcommand[] = [pendingSubcommand, ackSubcommand, escalateSubcommand, snoozeSubcommand];

/** Routes `/pitstop` text to its subcommand; malformed input gets usage text, never an exception. */
export class CommandRouter {
  private readonly byName = new Map<string, Subcommand>();

  constructor(subcommands: Subcommand[]) {
    for (const subcommand of subcommands) {
      if (subcommand.name === 'help' || this.byName.has(subcommand.name)) {
        throw new Error(`two /pitstop subcommands are named "${subcommand.name}"; rename one`);
      }
      this.byName.set(subcommand.name, subcommand);
    }
  }

  names(): string[] {
    return ['help', ...this.byName.keys()];
  }

  helpText(): string {
    const lines = [...this.byName.values()].map((subcommand) => `${usageText(subcommand)}  ${subcommand.summary}`);
    return [`*${SLASH_COMMAND}* subcommands:`, `\`${SLASH_COMMAND} help\`  show this list`, ...lines].join('\n');
  }

  /**
   * Runs the subcommand the text names and returns the reply for the caller. The text is NFKC-normalised and
   * stripped of zero-width characters first, because phone keyboards and pastes insert full-width forms and
   * invisible joiners that would otherwise make `ack AL-12` unreadable.
   */
  async run(text: string, input: Omit<SubcommandInput, 'args'>): Promise<SubcommandReply> {
    const normalised = text.normalize('NFKC').replace(/[\u200b-\u200d\u2060\ufeff]/g, '');
    const [name, ...args] = normalised.trim().split(/\s+/).filter((word) => word !== '');
    if (name === undefined || name.toLowerCase() === 'help') return { text: this.helpText() };
    const subcommand = this.byName.get(name.toLowerCase());
    if (!subcommand) return { text: `Unknown subcommand "${escapeMrkdwn(name)}".\n${this.helpText()}` };
    try {
      return await subcommand.run({ ...input, args });
    } catch (error) {
      if (error instanceof UsageError) return { text: `${escapeMrkdwn(error.message)}.\nUsage:\n${error.usage}` };
      input.ctx.log.error({ err: error, subcommand: name, user: input.userId }, 'a /pitstop subcommand failed');
      return { text: `\`${SLASH_COMMAND} ${escapeMrkdwn(name)}\` failed: ${escapeMrkdwn((error as Error).message)}` };
    }
  }
}

function toResponse(reply: SubcommandReply): RespondArguments {
  const responseType = reply.inChannel ? 'in_channel' : 'ephemeral';
  if (reply.blocks) return { response_type: responseType, text: reply.text, blocks: reply.blocks } as RespondArguments;
  return { response_type: responseType, text: reply.text };
}

/**
 * Registers `/pitstop`. A reply ready within {@link INLINE_REPLY_BUDGET_MS} goes back in the
 * acknowledgement itself; a slower one is acknowledged empty and sent through response_url. A repeated
 * delivery of the same command (same trigger id) gets an "already handled" reply and does not run again.
 */
export function registerCommandHandlers(app: App, ctx: PitstopContext, subcommands: Subcommand[]): CommandRouter {
  const router = new CommandRouter(subcommands);
  app.command(SLASH_COMMAND, async ({ command, ack, respond, client }) => {
    if (command.trigger_id && !claimInteraction(ctx.db, `command:${command.trigger_id}`, ctx.clock.now())) {
      ctx.log.info({ user: command.user_id, triggerId: command.trigger_id }, 'dropped a repeated delivery of /pitstop');
      await ack({ response_type: 'ephemeral', text: 'This request was already handled.' });
      return;
    }
    const work = router.run(command.text ?? '', {
      ctx,
      userId: command.user_id,
      channelId: command.channel_id,
      triggerId: command.trigger_id,
      client,
    });
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<'late'>((resolve) => {
      timer = setTimeout(() => resolve('late'), INLINE_REPLY_BUDGET_MS);
    });
    const first = await Promise.race([work, late]);
    clearTimeout(timer);
    if (first !== 'late') {
      await ack(toResponse(first));
      return;
    }
    await ack();
    await respond(toResponse(await work));
  });
  return router;
}
