import { escalationTargets } from '../alerts/targets.js';
import { parseDuration } from '../config/schema.js';
import type { PitstopContext } from '../context.js';
import { actionRecordMessage, overdueMessage, ownerText } from '../slack/messages/maintenance.js';
import { mentionActor, slackDate } from '../slack/messages/common.js';
import { recordTimeline } from '../store/outbox.js';
import type { CommandResult } from './lifecycle.js';
import { isStuck, MAX_ESCALATION_LEVEL, type Maintenance, type MaintenanceNode, type OverdueState } from './model.js';
import { channelsOf, messageKeys, publishAllRecovery, replyInThread } from './publish.js';
import { getMaintenance, getOverdue, listNodes, saveOverdue } from './store.js';

/** Maximum snooze a command may request; a longer one would hide a stuck maintenance for good. */
const MAX_SNOOZE_MS = 7 * 24 * 3_600_000;

/** Returns who a level mentions in one channel, or why the level has no one to mention. */
function levelTargets(
  ctx: PitstopContext,
  maintenance: Maintenance,
  level: number,
  stuck: MaintenanceNode[],
): { mentions: string[]; missing: string | null } {
  if (level === 1) {
    if (/^[UWS][A-Z0-9]{2,}$/.test(maintenance.owner))
      return { mentions: [ownerText(maintenance.owner)], missing: null };
    return {
      mentions: [],
      missing: `the owner "${maintenance.owner}" is not a Slack user or user group id, so nobody is mentioned: set the owner to one`,
    };
  }
  const teams = [...new Set(stuck.flatMap((node) => node.teams))].sort();
  if (teams.length === 0)
    return {
      mentions: [],
      missing: 'no team workloads were found on the stuck nodes when the maintenance was announced',
    };
  const mentions: string[] = [];
  const without: string[] = [];
  for (const team of teams) {
    const target = escalationTargets(ctx.config, team).find((entry) => entry.level === level - 1);
    if (target) mentions.push(`<!subteam^${target.userGroup}>`);
    else without.push(team);
  }
  const field = level === 2 ? 'teams[].userGroup (declare the team)' : 'teams[].escalateTo';
  return {
    mentions: [...new Set(mentions)],
    missing: without.length === 0 ? null : `no one to mention for ${without.join(', ')}: set ${field}`,
  };
}

/**
 * Posts the escalation of `level` into each channel whose clusters have stuck nodes. `episode` (the time the
 * escalation opened) keeps the keys of a reopened escalation apart from the first one's.
 */
function postLevel(
  ctx: PitstopContext,
  maintenance: Maintenance,
  level: number,
  nodes: MaintenanceNode[],
  actor: string,
  episode: string,
): void {
  const now = ctx.clock.now();
  for (const [channel, clusters] of channelsOf(ctx, maintenance)) {
    const stuck = nodes.filter((node) => clusters.includes(node.cluster) && isStuck(node));
    if (stuck.length === 0) continue;
    const targets = levelTargets(ctx, maintenance, level, stuck);
    const payload = overdueMessage({
      maintenance,
      level,
      stuck: stuck.length,
      mentions: targets.mentions,
      missingTargets: targets.missing,
      now,
      actor,
    });
    const key =
      actor === 'pitstop'
        ? messageKeys.overdue(maintenance.id, channel, `${episode}:${level}`)
        : messageKeys.action(maintenance.id, channel, `escalate:${level}:${now.toISOString()}:${actor}`);
    replyInThread(ctx, maintenance.id, channel, key, payload);
  }
}

function record(ctx: PitstopContext, maintenanceId: string, actor: string, action: string, detail?: unknown): void {
  recordTimeline(
    ctx.db,
    { subjectType: 'maintenance', subjectId: maintenanceId, actor, action, detail },
    ctx.clock.now(),
  );
}

function open(ctx: PitstopContext, maintenance: Maintenance, nodes: MaintenanceNode[], now: string): void {
  const overdue: OverdueState = {
    maintenanceId: maintenance.id,
    state: 'open',
    level: 1,
    openedAt: now,
    levelAt: now,
    acknowledgedBy: null,
    acknowledgedAt: null,
    snoozedUntil: null,
    snoozedBy: null,
    resolvedAt: null,
  };
  saveOverdue(ctx.db, overdue, ctx.clock.now());
  record(ctx, maintenance.id, 'pitstop', 'overdue_opened', { stuck: nodes.filter(isStuck).length });
  postLevel(ctx, maintenance, 1, nodes, 'pitstop', now);
}

/**
 * Drives the escalation of nodes not back after the window: opens it at level 1 when the maintenance is
 * recovering with nodes not validated, raises it one level each `alerting.escalateAfter` nobody acknowledged,
 * wakes it when a snooze ends, and resolves it once every node is validated or the maintenance closed.
 * Call inside the reconcile transaction; returns whether it changed anything.
 */
export function reconcileOverdue(ctx: PitstopContext, maintenance: Maintenance, nodes: MaintenanceNode[]): boolean {
  const now = ctx.clock.now();
  const overdue = getOverdue(ctx.db, maintenance.id);
  const stuck = nodes.filter(isStuck).length;
  const closed = maintenance.state === 'completed' || maintenance.state === 'cancelled';
  if (overdue === undefined || overdue.state === 'resolved') {
    if (maintenance.state !== 'recovering' || stuck === 0) return false;
    open(ctx, maintenance, nodes, now.toISOString());
    return true;
  }
  if (closed || stuck === 0) {
    saveOverdue(ctx.db, { ...overdue, state: 'resolved', resolvedAt: now.toISOString() }, now);
    record(ctx, maintenance.id, 'pitstop', 'overdue_resolved', { stuck });
    return true;
  }
  if (
    overdue.state === 'snoozed' &&
    overdue.snoozedUntil !== null &&
    now.getTime() >= Date.parse(overdue.snoozedUntil)
  ) {
    saveOverdue(ctx.db, { ...overdue, state: 'open', levelAt: now.toISOString(), snoozedUntil: null }, now);
    record(ctx, maintenance.id, 'pitstop', 'overdue_snooze_ended');
    return true;
  }
  const waited = now.getTime() - Date.parse(overdue.levelAt);
  if (
    overdue.state === 'open' &&
    overdue.level < MAX_ESCALATION_LEVEL &&
    waited >= parseDuration(ctx.config.alerting.escalateAfter)
  ) {
    const level = overdue.level + 1;
    saveOverdue(ctx.db, { ...overdue, level, levelAt: now.toISOString() }, now);
    record(ctx, maintenance.id, 'pitstop', 'overdue_escalated', { level });
    postLevel(ctx, maintenance, level, nodes, 'pitstop', overdue.openedAt);
    return true;
  }
  return false;
}

type OverdueAction =
  { kind: 'acknowledge' } | { kind: 'escalate'; level: number | null } | { kind: 'snooze'; duration: string };

function loadOpen(
  ctx: PitstopContext,
  id: string,
): { maintenance: Maintenance; overdue: OverdueState } | CommandResult {
  const maintenance = getMaintenance(ctx.db, id);
  if (!maintenance)
    return { ok: false, message: `Maintenance ${id} not found. \`/pitstop maint list\` shows the ids.` };
  const overdue = getOverdue(ctx.db, id);
  if (overdue === undefined || overdue.state === 'resolved') {
    return {
      ok: false,
      message: `${id} has no open escalation: it escalates only when nodes are not back after its window.`,
    };
  }
  return { maintenance, overdue };
}

function apply(
  ctx: PitstopContext,
  overdue: OverdueState,
  action: OverdueAction,
  user: string,
): { next: OverdueState; text: string } | CommandResult {
  const now = ctx.clock.now();
  const id = overdue.maintenanceId;
  switch (action.kind) {
    case 'acknowledge':
      if (overdue.state === 'acknowledged') {
        return {
          ok: false,
          message: `${id} was already acknowledged by ${mentionActor(overdue.acknowledgedBy ?? 'unknown')}.`,
        };
      }
      return {
        next: {
          ...overdue,
          state: 'acknowledged',
          acknowledgedBy: user,
          acknowledgedAt: now.toISOString(),
          snoozedUntil: null,
        },
        text: `:eyes: Acknowledged by ${mentionActor(user)}; escalation stopped.`,
      };
    case 'escalate': {
      const level = action.level ?? overdue.level + 1;
      if (level <= overdue.level)
        return { ok: false, message: `${id} is already at escalation level ${overdue.level}.` };
      if (level > MAX_ESCALATION_LEVEL || level !== overdue.level + 1) {
        return {
          ok: false,
          message: `${id} is at level ${overdue.level}; it can go to level ${overdue.level + 1} next (the last level is ${MAX_ESCALATION_LEVEL}).`,
        };
      }
      const state = overdue.state === 'acknowledged' ? 'acknowledged' : 'open';
      return { next: { ...overdue, state, level, levelAt: now.toISOString(), snoozedUntil: null }, text: '' };
    }
    case 'snooze': {
      const ms = safeDuration(action.duration);
      if (ms === null || ms <= 0 || ms > MAX_SNOOZE_MS) {
        return {
          ok: false,
          message: `Snooze duration "${action.duration}" is invalid: use a duration up to 7d, such as ${ctx.config.alerting.snoozeChoices.join(', ')}.`,
        };
      }
      const until = new Date(now.getTime() + ms).toISOString();
      return {
        next: { ...overdue, state: 'snoozed', snoozedUntil: until, snoozedBy: user },
        text: `:zzz: Escalation snoozed until ${slackDate(until)} by ${mentionActor(user)}.`,
      };
    }
  }
}

function safeDuration(text: string): number | null {
  try {
    return parseDuration(text);
  } catch {
    return null;
  }
}

/**
 * Acknowledges, escalates or snoozes the escalation of a maintenance as one guarded change: records who did it,
 * replies in each thread, and re-renders the recovery messages. A repeated click changes nothing and is answered with the reason.
 */
export function actOnOverdue(ctx: PitstopContext, id: string, action: OverdueAction, user: string): CommandResult {
  return ctx.db.transaction((): CommandResult => {
    const loaded = loadOpen(ctx, id);
    if ('ok' in loaded) return loaded;
    const result = apply(ctx, loaded.overdue, action, user);
    if ('ok' in result) return result;
    const now = ctx.clock.now();
    saveOverdue(ctx.db, result.next, now);
    record(ctx, id, user, `overdue_${action.kind}`, action.kind === 'acknowledge' ? undefined : action);
    const nodes = listNodes(ctx.db, id);
    if (action.kind === 'escalate') {
      postLevel(ctx, loaded.maintenance, result.next.level, nodes, user, result.next.openedAt);
    } else {
      for (const channel of channelsOf(ctx, loaded.maintenance).keys()) {
        replyInThread(
          ctx,
          id,
          channel,
          messageKeys.action(id, channel, `${action.kind}:${now.toISOString()}:${user}`),
          actionRecordMessage(result.text),
        );
      }
    }
    publishAllRecovery(ctx, loaded.maintenance);
    const done = {
      acknowledge: 'acknowledged',
      escalate: `escalated to level ${result.next.level}`,
      snooze: `snoozed until ${result.next.snoozedUntil}`,
    }[action.kind];
    return { ok: true, message: `${id} ${done}.` };
  })();
}
