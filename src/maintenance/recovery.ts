import type { PitstopContext } from '../context.js';
import type { NodeView } from '../k8s/views.js';
import { recordTimeline } from '../store/outbox.js';
import { gpuAllocatable, gpuCapacity, readyStatus } from './gpus.js';
import type { Maintenance, MaintenanceNode, NodeRecoveryState, StoredCheck } from './model.js';
import { clusterConfig, placementOf, selectNodes } from './scope.js';
import { deleteNode, listNodes, saveNode } from './store.js';
import { classifyNodeState, readNodeSnapshot, snapshotNode, validateNode, type NodeValidation } from './validations.js';

/**
 * Reason by which the validation reports the cordon itself. While a node is cordoned the validation judges the
 * mirroring `node.kubernetes.io/unschedulable` taint as part of the cordon, so this reason covers both.
 */
const CORDON_REASONS = new Set(['cordoned']);

/** Evidence of a failing or unknown check is kept for the long tail; longer text is cut to keep rows small. */
const EVIDENCE_MAX = 300;

/** A node state change made by {@link trackNodes}. */
export interface NodeStateChange {
  cluster: string;
  node: string;
  from: NodeRecoveryState | null;
  to: NodeRecoveryState;
}

function started(maintenance: Maintenance): boolean {
  return maintenance.state === 'in_progress' || maintenance.state === 'recovering';
}

function emptyRow(
  maintenance: Maintenance,
  cluster: string,
  name: string,
  vendor: string,
  now: string,
): MaintenanceNode {
  return {
    maintenanceId: maintenance.id,
    cluster,
    node: name,
    state: 'scheduled',
    stateSince: now,
    snapshot: null,
    snapshotAt: null,
    cordonedBefore: false,
    bootIdBefore: null,
    cordoned: false,
    touched: false,
    gpusExpected: 0,
    gpusAllocatable: 0,
    sku: null,
    rack: null,
    vendor,
    instanceId: null,
    teams: [],
    verdict: null,
    checks: [],
    failingCheck: null,
    failingSince: null,
    reasons: [],
    holds: [],
    present: true,
    downAt: null,
    returnedAt: null,
    validatedAt: null,
    uncordonedBy: null,
    uncordonedAt: null,
    updatedAt: now,
  };
}

/**
 * Builds the row of a node seen for the first time. A node first seen after the start gets no snapshot, because
 * its state then is no baseline, and any cordon it has counts as someone else's.
 */
function firstSight(
  maintenance: Maintenance,
  cluster: string,
  view: NodeView,
  vendor: string,
  now: string,
): MaintenanceNode {
  const row = emptyRow(maintenance, cluster, view.name, vendor, now);
  return started(maintenance) ? { ...row, cordonedBefore: view.unschedulable === true, bootIdBefore: null } : row;
}

/** Takes the "before" picture of a node, which later validations compare against. */
function takeSnapshot(ctx: PitstopContext, row: MaintenanceNode, view: NodeView, now: string): MaintenanceNode {
  return {
    ...row,
    snapshot: snapshotNode(view, ctx.config.validation, now),
    snapshotAt: now,
    cordonedBefore: view.unschedulable === true,
    bootIdBefore: view.bootId,
    gpusExpected: gpuCapacity(view),
  };
}

/** Returns whether a node looks untouched (Ready and schedulable), so that a fresh snapshot is a fair baseline. */
function looksInService(view: NodeView): boolean {
  return readyStatus(view) === 'True' && view.unschedulable !== true;
}

function observe(ctx: PitstopContext, row: MaintenanceNode, view: NodeView): MaintenanceNode {
  const placement = placementOf(clusterConfig(ctx.config, row.cluster), view);
  return {
    ...row,
    present: true,
    cordoned: view.unschedulable === true,
    gpusAllocatable: gpuAllocatable(view),
    gpusExpected: row.snapshot === null ? Math.max(row.gpusExpected, gpuCapacity(view)) : row.gpusExpected,
    sku: placement.sku ?? row.sku,
    rack: placement.rack ?? row.rack,
    instanceId: placement.instanceId ?? row.instanceId,
  };
}

/** Before the start: keep the snapshot fresh while the node is in service, and note a cordon placed by others. */
function trackBeforeStart(ctx: PitstopContext, row: MaintenanceNode, view: NodeView, now: string): MaintenanceNode {
  const seen = observe(ctx, row, view);
  if (seen.snapshot === null || looksInService(view))
    return { ...takeSnapshot(ctx, seen, view, now), state: 'scheduled' };
  return { ...seen, state: 'scheduled' };
}

function storedEvidence(check: NodeValidation['checks'][number]): string {
  if (check.result === 'pass') return '';
  if (check.evidence.length <= EVIDENCE_MAX) return check.evidence;
  return `${check.evidence.slice(0, EVIDENCE_MAX - 1)}…`;
}

/** Keeps each check's result, and evidence only where a check does not pass, which is all the long tail shows. */
function storedChecks(validation: NodeValidation): StoredCheck[] {
  return validation.checks.map((check) => ({
    name: check.name,
    result: check.result,
    evidence: storedEvidence(check),
    reasons: check.reasons,
  }));
}

/** Returns whether the cordon is the only thing between a node and validated, because every other check passes. */
export function onlyCordonFails(checks: readonly StoredCheck[]): boolean {
  const failing = checks.filter((check) => check.result !== 'pass');
  if (failing.length === 0) return false;
  return failing.every(
    (check) =>
      check.result === 'fail' &&
      check.reasons.length > 0 &&
      check.reasons.every((reason) => CORDON_REASONS.has(reason)),
  );
}

function failingCheckOf(checks: StoredCheck[]): StoredCheck | undefined {
  return checks.find((check) => check.result === 'fail') ?? checks.find((check) => check.result === 'unknown');
}

const BACK_STATES: readonly NodeRecoveryState[] = ['returned', 'validated', 'failed'];

/**
 * When the node's readiness last changed, from the Ready condition's transition time, if that lies between the
 * maintenance start and now; else `now`. A node that came back or went down while Pitstop was not looking (a
 * restart, a slow watch) is dated by the kubelet's report rather than by when Pitstop noticed.
 */
function readyChangedAt(view: NodeView, maintenance: Maintenance, now: string): string {
  const transition = view.conditions?.find((condition) => condition.type === 'Ready')?.lastTransitionTime ?? null;
  const time = transition === null ? Number.NaN : Date.parse(transition);
  const startedAt = maintenance.startedAt === null ? Number.NaN : Date.parse(maintenance.startedAt);
  if (!Number.isFinite(time) || !Number.isFinite(startedAt) || time < startedAt || time > Date.parse(now)) return now;
  return new Date(time).toISOString();
}

function verdictState(validation: NodeValidation): NodeRecoveryState {
  if (validation.verdict === 'ready') return 'validated';
  return validation.verdict === 'not_ready' ? 'failed' : 'returned';
}

/**
 * After the start: classify the node from its signals, then run the readiness-to-return validation with the time
 * it came back, and classify again with the verdict. After the window, a node the maintenance never touched is
 * judged by its validation alone unless the maintenance requires a reboot, because work that needs no reboot or
 * cordon (a live patch) leaves no other trace.
 */
function trackAfterStart(
  ctx: PitstopContext,
  maintenance: Maintenance,
  row: MaintenanceNode,
  view: NodeView,
  now: string,
): MaintenanceNode {
  const seen = observe(ctx, row, view);
  const before = readNodeSnapshot(seen.snapshot);
  const facts = { startedAt: maintenance.startedAt, requiresReboot: maintenance.requiresReboot };
  const stateInput = { before, maintenance: facts, touched: row.touched, wentDown: row.downAt !== null };
  const first = classifyNodeState(view, stateInput);
  const changedAt = readyChangedAt(view, maintenance, now);
  let returnedAt: string | null = null;
  if (BACK_STATES.includes(first.state)) {
    const stillBack = BACK_STATES.includes(row.state) && row.returnedAt !== null;
    returnedAt = stillBack ? row.returnedAt : changedAt;
  }

  const validation = validateNode(view, {
    config: ctx.config.validation,
    before,
    pods: ctx.fleet.validatorPods(row.cluster, row.node),
    maintenance: facts,
    returnedAt,
    now: ctx.clock.now(),
  });

  const reading = classifyNodeState(view, { ...stateInput, validation });
  const untouchedAfterWindow =
    reading.state === 'scheduled' && maintenance.state === 'recovering' && !maintenance.requiresReboot;
  const state = untouchedAfterWindow ? verdictState(validation) : reading.state;
  const checks = storedChecks(validation);
  const failing = state === 'validated' ? undefined : failingCheckOf(checks);
  const wentDown = state === 'down' && row.state !== 'down';
  const sameFailure = failing !== undefined && failing.name === row.failingCheck && row.failingSince !== null;

  let failingSince: string | null = null;
  if (sameFailure) failingSince = row.failingSince;
  else if (failing !== undefined) failingSince = now;

  let validatedAt: string | null = null;
  if (state === 'validated') validatedAt = row.state === 'validated' ? row.validatedAt : now;

  return {
    ...seen,
    state,
    stateSince: state === row.state ? row.stateSince : wentDown || BACK_STATES.includes(state) ? changedAt : now,
    touched: reading.touched,
    returnedAt: BACK_STATES.includes(state) ? (returnedAt ?? changedAt) : null,
    downAt: wentDown ? changedAt : row.downAt,
    verdict: validation.verdict,
    checks,
    reasons: validation.reasons,
    holds: validation.holds,
    failingCheck: failing?.name ?? null,
    failingSince,
    validatedAt,
  };
}

function trackMissing(row: MaintenanceNode, now: string): MaintenanceNode {
  return {
    ...row,
    present: false,
    touched: true,
    state: 'down',
    downAt: row.state === 'down' ? row.downAt : now,
    returnedAt: null,
    validatedAt: null,
    verdict: null,
    checks: [],
    reasons: ['node_missing'],
    failingCheck: 'present',
    failingSince: row.failingCheck === 'present' && row.failingSince ? row.failingSince : now,
  };
}

function comparable(row: MaintenanceNode): string {
  const { updatedAt: _updatedAt, stateSince: _stateSince, ...rest } = row;
  return JSON.stringify(rest);
}

/** Saves a row if anything but its timestamps changed; records a state change on the node's timeline. */
function commit(
  ctx: PitstopContext,
  previous: MaintenanceNode | undefined,
  next: MaintenanceNode,
  now: string,
  changes: NodeStateChange[],
): void {
  const stateChanged = previous === undefined || previous.state !== next.state;
  // When the tracker read the change's time from the node it has set stateSince already; otherwise it dates the change now.
  const since = stateChanged && next.stateSince === previous?.stateSince ? now : next.stateSince;
  const row = { ...next, stateSince: previous === undefined ? now : since };
  if (previous !== undefined && comparable(previous) === comparable(row)) return;
  saveNode(ctx.db, { ...row, updatedAt: now });
  if (!stateChanged) return;
  changes.push({ cluster: next.cluster, node: next.node, from: previous?.state ?? null, to: next.state });
  recordTimeline(
    ctx.db,
    {
      subjectType: 'maintenance_node',
      subjectId: `${next.maintenanceId}/${next.cluster}/${next.node}`,
      actor: 'pitstop',
      action: next.state,
      detail: {
        from: previous?.state ?? null,
        since: row.stateSince,
        failingCheck: next.failingCheck,
        reasons: next.reasons,
      },
    },
    ctx.clock.now(),
  );
}

function trackCluster(
  ctx: PitstopContext,
  maintenance: Maintenance,
  entry: Maintenance['clusters'][number],
  rows: MaintenanceNode[],
  changes: NodeStateChange[],
): void {
  const cluster = clusterConfig(ctx.config, entry.cluster);
  const now = ctx.clock.now().toISOString();
  const selection = selectNodes(cluster, entry.scope, ctx.fleet.nodes(entry.cluster));
  const byName = new Map(rows.map((row) => [row.node, row]));
  const isStarted = started(maintenance);
  const seen = new Set<string>();
  for (const view of selection.nodes) {
    seen.add(view.name);
    const previous = byName.get(view.name);
    const base = previous ?? firstSight(maintenance, entry.cluster, view, cluster.vendor, now);
    const next = isStarted
      ? trackAfterStart(ctx, maintenance, base, view, now)
      : trackBeforeStart(ctx, base, view, now);
    commit(ctx, previous, next, now, changes);
  }
  for (const row of rows) {
    if (seen.has(row.node)) continue;
    if (!isStarted) {
      deleteNode(ctx.db, maintenance.id, row.cluster, row.node);
      continue;
    }
    // Once started, a node stays tracked even when it leaves the scope (a reimage can drop its labels).
    const view = ctx.fleet.node(row.cluster, row.node);
    commit(ctx, row, view ? trackAfterStart(ctx, maintenance, row, view, now) : trackMissing(row, now), now, changes);
  }
}

/**
 * Brings the tracked nodes of a maintenance up to date with the fleet. Before the start it adds nodes that
 * entered the scope, drops those that left it and refreshes their "before" snapshots. After the start it
 * classifies and validates every node. Clusters whose initial list has not loaded are left as they are.
 * Call inside a transaction; returns the state changes it recorded.
 */
export function trackNodes(ctx: PitstopContext, maintenance: Maintenance): NodeStateChange[] {
  if (maintenance.state === 'completed' || maintenance.state === 'cancelled') return [];
  const rows = listNodes(ctx.db, maintenance.id);
  const changes: NodeStateChange[] = [];
  for (const entry of maintenance.clusters) {
    if (!ctx.fleet.synced(entry.cluster)) continue;
    trackCluster(
      ctx,
      maintenance,
      entry,
      rows.filter((row) => row.cluster === entry.cluster),
      changes,
    );
  }
  return changes;
}

/**
 * Adds the teams a blast radius found on each node, for escalation to those teams. Teams found earlier stay:
 * a node drained before the start shows no workloads then, but its teams still wait for it.
 */
export function saveNodeTeams(
  ctx: PitstopContext,
  maintenanceId: string,
  cluster: string,
  teams: Map<string, string[]>,
): void {
  for (const row of listNodes(ctx.db, maintenanceId)) {
    if (row.cluster !== cluster) continue;
    const next = [...new Set([...row.teams, ...(teams.get(row.node) ?? [])])].sort();
    if (JSON.stringify(next) !== JSON.stringify(row.teams)) saveNode(ctx.db, { ...row, teams: next });
  }
}

/** Returns whether uncordon may touch a node: cordoned by the maintenance alone, held by no other owner, otherwise validated. */
export function canUncordon(node: MaintenanceNode): boolean {
  return (
    node.present &&
    node.cordoned &&
    !node.cordonedBefore &&
    node.holds.length === 0 &&
    (node.state === 'returned' || node.state === 'failed') &&
    onlyCordonFails(node.checks)
  );
}
