import type { App, BlockAction, BlockElementAction, ViewSubmitAction } from '@slack/bolt';
import type { WebClient } from '@slack/web-api';
import type { PitstopContext } from '../context.js';
import { createMaintenance, MaintenanceInputError, runLifecycleCommand } from '../maintenance/lifecycle.js';
import { maintenanceSeq } from '../maintenance/model.js';
import { actOnOverdue } from '../maintenance/overdue.js';
import { channelsOf } from '../maintenance/publish.js';
import {
  candidatesFingerprint,
  clusterWritesRefusal,
  likelyLandingPods,
  runUncordon,
  uncordonCandidates,
} from '../maintenance/remediation.js';
import { checkRole, type Role } from '../maintenance/roles.js';
import { getMaintenance, getOverdue, listMaintenances, listNodes } from '../maintenance/store.js';
import {
  decodeMaintenanceValue,
  MAINTENANCE_ACTION_IDS,
  MAINTENANCE_VIEW_IDS,
  recoveryMessage,
} from '../slack/messages/maintenance.js';
import { createMaintenanceModal, uncordonModal } from '../slack/messages/maintenance-modals.js';
import { maintenanceDetailText, maintenanceListText } from '../slack/messages/maintenance-summary.js';
import { enqueue, readTimeline } from '../store/outbox.js';
import { claimInteraction } from './actions.js';
import {
  blockOfField,
  readCreateForm,
  readCreateMetadata,
  readUncordonMetadata,
  type FormValues,
} from './maintenance-forms.js';
import { UsageError, type Subcommand, type SubcommandInput, type SubcommandReply } from './subcommands.js';

const MAINT_USAGE = [
  'maint list',
  'maint show ID',
  'maint create',
  'maint start ID',
  'maint complete ID',
  'maint cancel ID',
  'maint uncordon ID',
];
const usageOf = (lines: string[]): string => lines.map((line) => `\`/pitstop ${line}\``).join('\n');

function idArgument(args: string[], verb: string, usage: string): string {
  if (args.length !== 1) throw new UsageError(`maint ${verb} takes exactly one maintenance id, such as MX-12`, usage);
  const id = args[0]!.toUpperCase();
  if (maintenanceSeq(id) === null)
    throw new UsageError(`"${args[0]}" is not a maintenance id; expected one such as MX-12`, usage);
  return id;
}

async function denied(input: SubcommandInput, role: Role): Promise<SubcommandReply | null> {
  const check = await checkRole(input.ctx, role, input.userId, input.client);
  return check.allowed ? null : { text: check.reason! };
}

function listReply(ctx: PitstopContext): SubcommandReply {
  const cutoff = ctx.clock.now().getTime() - 7 * 86_400_000;
  const entries = listMaintenances(ctx.db)
    .filter((maintenance) => maintenance.closedAt === null || Date.parse(maintenance.closedAt) >= cutoff)
    .map((maintenance) => ({ maintenance, nodes: listNodes(ctx.db, maintenance.id) }));
  return { text: maintenanceListText(entries) };
}

function showReply(ctx: PitstopContext, id: string): SubcommandReply {
  const maintenance = getMaintenance(ctx.db, id);
  if (!maintenance) return { text: `Maintenance ${id} not found. \`/pitstop maint list\` shows the ids.` };
  const text = maintenanceDetailText({
    maintenance,
    nodes: listNodes(ctx.db, id),
    overdue: getOverdue(ctx.db, id),
    timeline: readTimeline(ctx.db, 'maintenance', id),
  });
  return { text };
}

async function openCreateForm(input: SubcommandInput): Promise<SubcommandReply> {
  const refusal = await denied(input, 'maintainers');
  if (refusal) return refusal;
  const view = createMaintenanceModal(input.ctx.config, {
    now: input.ctx.clock.now(),
    user: input.userId,
    metadata: { channel: input.channelId },
  });
  await input.client.views.open({ trigger_id: input.triggerId, view: view as never });
  return { text: 'Opened the new maintenance form.' };
}

/** Opens the uncordon confirmation, or returns why it cannot open. Shared by the command and the button. */
async function openUncordonForm(
  ctx: PitstopContext,
  request: { id: string; user: string; channel: string | null; triggerId: string; client: WebClient },
): Promise<string | null> {
  const role = await checkRole(ctx, 'remediators', request.user, request.client);
  if (!role.allowed) return role.reason;
  const refusal = clusterWritesRefusal(ctx);
  if (refusal !== null) return refusal;
  const maintenance = getMaintenance(ctx.db, request.id);
  if (!maintenance) return `Maintenance ${request.id} not found.`;
  const candidates = uncordonCandidates(ctx, maintenance);
  if (candidates.length === 0) {
    return `No node of ${request.id} is ready to uncordon: a node qualifies once every check but the cordon passes, its cordon came with the maintenance and no other controller holds it. \`/pitstop recovery ${request.id}\` shows what each node still fails.`;
  }
  const metadata = {
    maintenanceId: request.id,
    fingerprint: candidatesFingerprint(candidates),
    channel: request.channel,
  };
  const view = uncordonModal({ maintenance, candidates, landing: likelyLandingPods(ctx, candidates), metadata });
  await request.client.views.open({ trigger_id: request.triggerId, view: view as never });
  return null;
}

async function runMaint(input: SubcommandInput): Promise<SubcommandReply> {
  const usage = usageOf(MAINT_USAGE);
  const [verb, ...rest] = input.args;
  switch (verb) {
    case 'list':
      if (rest.length > 0) throw new UsageError('maint list takes no arguments', usage);
      return listReply(input.ctx);
    case 'show':
      return showReply(input.ctx, idArgument(rest, verb, usage));
    case 'create':
      if (rest.length > 0) throw new UsageError('maint create takes no arguments: it opens a form', usage);
      return openCreateForm(input);
    case 'start':
    case 'complete':
    case 'cancel': {
      const id = idArgument(rest, verb, usage);
      const refusal = await denied(input, 'maintainers');
      if (refusal) return refusal;
      return { text: runLifecycleCommand(input.ctx, verb, id, input.userId).message };
    }
    case 'uncordon': {
      const id = idArgument(rest, verb, usage);
      const problem = await openUncordonForm(input.ctx, {
        id,
        user: input.userId,
        channel: input.channelId,
        triggerId: input.triggerId,
        client: input.client,
      });
      return { text: problem ?? 'Opened the uncordon confirmation.' };
    }
    case undefined:
      throw new UsageError('maint needs a subcommand', usage);
    default:
      throw new UsageError(`unknown maint subcommand "${verb}"`, usage);
  }
}

const maintSubcommand: Subcommand = {
  name: 'maint',
  usage: MAINT_USAGE,
  summary: 'list, show, create, start, complete, cancel maintenances, or uncordon their validated nodes',
  run: runMaint,
};

const recoverySubcommand: Subcommand = {
  name: 'recovery',
  usage: ['recovery ID'],
  summary: "show a maintenance's recovery: progress and every node not back yet",
  async run(input) {
    const usage = usageOf(recoverySubcommand.usage);
    if (input.args.length !== 1)
      throw new UsageError('recovery takes exactly one maintenance id, such as MX-12', usage);
    const id = input.args[0]!.toUpperCase();
    if (maintenanceSeq(id) === null)
      throw new UsageError(`"${input.args[0]}" is not a maintenance id; expected one such as MX-12`, usage);
    const maintenance = getMaintenance(input.ctx.db, id);
    if (!maintenance) return { text: `Maintenance ${id} not found. \`/pitstop maint list\` shows the ids.` };
    const channelClusters = channelsOf(input.ctx, maintenance).get(input.channelId);
    const nodes = listNodes(input.ctx.db, id).filter(
      (node) => channelClusters === undefined || channelClusters.includes(node.cluster),
    );
    const message = recoveryMessage({
      maintenance,
      nodes,
      overdue: getOverdue(input.ctx.db, id),
      now: input.ctx.clock.now(),
      snoozeChoices: input.ctx.config.alerting.snoozeChoices,
    });
    return { text: message.text, blocks: message.blocks ?? [] };
  },
};

/** The `/pitstop maint …` and `/pitstop recovery …` subcommands. */
export const maintenanceSubcommands: Subcommand[] = [maintSubcommand, recoverySubcommand];

function answerEphemeral(
  ctx: PitstopContext,
  answer: { key: string; channel: string | null | undefined; user: string; text: string },
): void {
  if (!answer.channel) {
    ctx.log.warn(
      { user: answer.user, text: answer.text },
      'cannot send an ephemeral reply to a maintenance interaction outside a channel',
    );
    return;
  }
  enqueue(
    ctx.db,
    {
      kind: 'ephemeral',
      messageKey: `ephemeral:${answer.key}`,
      channel: answer.channel,
      payload: { text: answer.text, options: { user: answer.user } },
    },
    ctx.clock.now(),
  );
}

function actionValue(action: BlockElementAction): string | undefined {
  if (action.type === 'button') return action.value;
  if (action.type === 'static_select') return action.selected_option.value;
  return undefined;
}

function channelOf(body: BlockAction): string | undefined {
  return body.channel?.id ?? (body.container.channel_id as string | undefined);
}

/** Handles Acknowledge, Escalate and Snooze on a recovery message; returns the reply for the user, if any. */
function handleOverdueClick(ctx: PitstopContext, body: BlockAction, action: BlockElementAction): string | null {
  const value = actionValue(action);
  const key = `block_actions:${body.user.id}:${action.action_id}:${action.action_ts}:${value ?? ''}`;
  if (!ctx.db.transaction(() => claimInteraction(ctx.db, key, ctx.clock.now()))()) return null;
  const decoded = decodeMaintenanceValue(value);
  if (decoded === null) return `That control could not be handled: unreadable value "${value ?? ''}".`;
  const request =
    action.action_id === MAINTENANCE_ACTION_IDS.acknowledge
      ? ({ kind: 'acknowledge' } as const)
      : action.action_id === MAINTENANCE_ACTION_IDS.escalate
        ? ({ kind: 'escalate', level: Number(decoded.argument) || null } as const)
        : ({ kind: 'snooze', duration: decoded.argument ?? '' } as const);
  const result = actOnOverdue(ctx, decoded.id, request, body.user.id);
  ctx.log.info(
    { maintenance: decoded.id, user: body.user.id, action: action.action_id, changed: result.ok },
    'maintenance escalation action',
  );
  if (result.ok) ctx.requestReconcile();
  return result.ok ? null : result.message;
}

function registerOverdueActions(app: App, ctx: PitstopContext): void {
  for (const actionId of [
    MAINTENANCE_ACTION_IDS.acknowledge,
    MAINTENANCE_ACTION_IDS.escalate,
    MAINTENANCE_ACTION_IDS.snooze,
  ]) {
    app.action<BlockAction>({ type: 'block_actions', action_id: actionId }, async ({ ack, body, action }) => {
      await ack();
      let answer: string | null;
      try {
        answer = handleOverdueClick(ctx, body, action);
      } catch (error) {
        ctx.log.error(
          { err: error, action: action.action_id, user: body.user.id },
          'handling a maintenance action failed',
        );
        answer = `Pitstop could not handle that click: ${(error as Error).message}.`;
      }
      if (answer !== null)
        answerEphemeral(ctx, {
          key: `${body.user.id}:${action.action_ts}`,
          channel: channelOf(body),
          user: body.user.id,
          text: answer,
        });
    });
  }
}

function registerUncordonButton(app: App, ctx: PitstopContext): void {
  app.action<BlockAction>(
    { type: 'block_actions', action_id: MAINTENANCE_ACTION_IDS.uncordon },
    async ({ ack, body, action, client }) => {
      await ack();
      const decoded = decodeMaintenanceValue(actionValue(action));
      let problem: string | null;
      try {
        problem =
          decoded === null
            ? 'That button could not be handled: it names no maintenance.'
            : await openUncordonForm(ctx, {
                id: decoded.id,
                user: body.user.id,
                channel: channelOf(body) ?? null,
                triggerId: body.trigger_id,
                client,
              });
      } catch (error) {
        ctx.log.error({ err: error, user: body.user.id }, 'opening the uncordon confirmation failed');
        problem = `Pitstop could not open the uncordon confirmation: ${(error as Error).message}.`;
      }
      if (problem !== null)
        answerEphemeral(ctx, {
          key: `${body.user.id}:${action.action_ts}`,
          channel: channelOf(body),
          user: body.user.id,
          text: problem,
        });
    },
  );
}

function registerCreateSubmission(app: App, ctx: PitstopContext): void {
  app.view<ViewSubmitAction>(MAINTENANCE_VIEW_IDS.create, async ({ ack, body, view, client }) => {
    const user = body.user.id;
    const role = await checkRole(ctx, 'maintainers', user, client);
    if (!role.allowed) return ack({ response_action: 'errors', errors: { [blockOfField('title')]: role.reason! } });
    const form = readCreateForm(view.state?.values as FormValues | undefined);
    if ('errors' in form) return ack({ response_action: 'errors', errors: form.errors });
    let created;
    try {
      created = createMaintenance(ctx, form.input, { source: 'slack', actor: user });
    } catch (error) {
      if (error instanceof MaintenanceInputError) {
        return ack({ response_action: 'errors', errors: { [blockOfField(error.field)]: error.message } });
      }
      ctx.log.error({ err: error, user }, 'creating a maintenance from the form failed');
      const text = `Pitstop could not create the maintenance: ${(error as Error).message}. Try again, or add it to the config.`;
      return ack({ response_action: 'errors', errors: { [blockOfField('title')]: text } });
    }
    await ack();
    const metadata = readCreateMetadata(view.private_metadata);
    const leads = ctx.config.maintenance.announceBefore.join(' and ');
    const channels = [...channelsOf(ctx, created).keys()].map((channel) => `<#${channel}>`).join(', ');
    const text = `Created *${created.id}* ${created.title}. Pitstop announces it in ${channels} ${leads} before the start, at the start and at the end.`;
    answerEphemeral(ctx, { key: `created:${created.id}`, channel: metadata?.channel, user, text });
    ctx.requestReconcile();
  });
}

function registerUncordonSubmission(app: App, ctx: PitstopContext): void {
  app.view<ViewSubmitAction>(MAINTENANCE_VIEW_IDS.uncordon, async ({ ack, body, view, client }) => {
    const user = body.user.id;
    const metadata = readUncordonMetadata(view.private_metadata);
    const maintenance = metadata === null ? undefined : getMaintenance(ctx.db, metadata.maintenanceId);
    if (metadata === null || !maintenance) return ack({ response_action: 'clear' });
    const role = await checkRole(ctx, 'remediators', user, client);
    const refusal = role.allowed ? clusterWritesRefusal(ctx) : role.reason;
    const candidates = uncordonCandidates(ctx, maintenance);
    const fingerprint = candidatesFingerprint(candidates);
    if (refusal !== null || fingerprint !== metadata.fingerprint) {
      const notice =
        refusal ?? 'The nodes ready to uncordon changed since the form opened; review the new list and confirm again.';
      const next = uncordonModal({
        maintenance,
        candidates: refusal === null ? candidates : [],
        landing: likelyLandingPods(ctx, candidates),
        metadata: { ...metadata, fingerprint },
        notice,
      });
      return ack({ response_action: 'update', view: next as never });
    }
    await ack();
    let text: string;
    try {
      text = (await runUncordon(ctx, { maintenanceId: maintenance.id, user, fingerprint })).message;
    } catch (error) {
      ctx.log.error({ err: error, maintenance: maintenance.id, user }, 'uncordon from the confirmation failed');
      text = `Pitstop could not finish the uncordon of ${maintenance.id}: ${(error as Error).message}. \`/pitstop recovery ${maintenance.id}\` shows which nodes are still cordoned.`;
    }
    answerEphemeral(ctx, {
      key: `uncordon:${maintenance.id}:${ctx.clock.now().toISOString()}:${user}`,
      channel: metadata.channel,
      user,
      text,
    });
  });
}

/** Registers the maintenance modals' submissions and the recovery message's buttons and menu. */
export function registerMaintenanceHandlers(app: App, ctx: PitstopContext): void {
  registerOverdueActions(app, ctx);
  registerUncordonButton(app, ctx);
  registerCreateSubmission(app, ctx);
  registerUncordonSubmission(app, ctx);
}
