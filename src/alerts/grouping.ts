import { parseDuration, type PitstopConfig } from '../config/schema.js';
import type { PitstopContext } from '../context.js';
import { parseSchedulerMessage, type SchedulingReading } from '../k8s/scheduler-message.js';
import type { NodeView, PodView } from '../k8s/views.js';
import { findBlockingNodes, type BlockingNodes } from './blocking.js';
import { causeOfNeverFits, causeOfPod, findNeverFits, largestCapacity, type Cause, type NeverFits } from './cause.js';

/** Team name used when no team declares a namespace and no `alerting.defaultTeam` is set. */
export const UNOWNED_TEAM = 'unowned';

export interface WorkloadCount {
  namespace: string;
  /** Owner kind such as `Deployment`, `JobSet`, or `Pod` for a pod without an owner. */
  kind: string;
  name: string;
  count: number;
}

/** Pending pods of one cluster that share an owning team and a main cause; one alert each. */
export interface PendingGroup {
  /** Stable across restarts: `pending/<cluster>/<team>/<cause key>`. */
  key: string;
  cluster: string;
  team: string;
  cause: Cause;
  neverFits?: NeverFits;
  pods: PodView[];
  /** Earliest time any of the pods became unschedulable, or `null` when no pod shows a time. */
  since: string | null;
  /** All workloads of the group, most pods first. */
  workloads: WorkloadCount[];
  namespaces: string[];
  blocking: BlockingNodes;
}

export interface GroupingInput {
  cluster: string;
  nodes: NodeView[];
  pods: PodView[];
  config: PitstopConfig;
  now: Date;
}

export function groupKey(cluster: string, team: string, causeKey: string): string {
  return `pending/${cluster}/${team}/${causeKey}`;
}

/** Returns the team that owns a namespace: the declaring team, else `alerting.defaultTeam`, else `unowned`. */
export function teamOfNamespace(config: PitstopConfig, namespace: string): string {
  const team = config.teams.find((candidate) => candidate.namespaces.includes(namespace));
  return team?.name ?? config.alerting.defaultTeam ?? UNOWNED_TEAM;
}

/** Returns when a pod became unschedulable: its PodScheduled transition, else its creation, else `null`. */
export function pendingSince(pod: PodView): string | null {
  return pod.scheduled?.lastTransitionTime ?? pod.creationTimestamp ?? null;
}

/**
 * Tells whether the pod counts toward an alert: the scheduler marked it Unschedulable and it has been so
 * for at least `pendingAfterMs`. A pod that shows no time at all counts, because its age cannot be proven short.
 */
export function isAlertablePending(pod: PodView, now: Date, pendingAfterMs: number): boolean {
  if (pod.nodeName) return false;
  if (pod.scheduled?.status !== 'False' || pod.scheduled.reason !== 'Unschedulable') return false;
  const since = pendingSince(pod);
  if (since === null) return true;
  const started = Date.parse(since);
  return Number.isNaN(started) || now.getTime() - started >= pendingAfterMs;
}

function readMessage(message: string | null | undefined, cache: Map<string, SchedulingReading | null>): SchedulingReading | null {
  const text = message?.trim() ?? '';
  if (text === '') return null;
  if (cache.has(text)) return cache.get(text) ?? null;
  let reading: SchedulingReading | null;
  try {
    reading = parseSchedulerMessage(text);
  } catch {
    // The pod still gets a group: causeOfPod falls back to the raw message under the `unknown` cause.
    reading = null;
  }
  cache.set(text, reading);
  return reading;
}

function countWorkloads(pods: PodView[]): WorkloadCount[] {
  const counts = new Map<string, WorkloadCount>();
  for (const pod of pods) {
    const kind = pod.owner?.kind ?? 'Pod';
    const name = pod.owner?.name ?? pod.name;
    const id = `${pod.namespace}/${kind}/${name}`;
    const entry = counts.get(id) ?? { namespace: pod.namespace, kind, name, count: 0 };
    entry.count += 1;
    counts.set(id, entry);
  }
  return [...counts.values()].sort(
    (a, b) => b.count - a.count || a.namespace.localeCompare(b.namespace) || a.name.localeCompare(b.name),
  );
}

function mostCommon<T>(values: T[], keyOf: (value: T) => string): T {
  const counts = new Map<string, { value: T; count: number }>();
  for (const value of values) {
    const key = keyOf(value);
    const entry = counts.get(key) ?? { value, count: 0 };
    entry.count += 1;
    counts.set(key, entry);
  }
  return [...counts.values()].sort((a, b) => b.count - a.count)[0]!.value;
}

function earliest(times: (string | null)[]): string | null {
  let best: string | null = null;
  let bestMs = Number.POSITIVE_INFINITY;
  for (const time of times) {
    const ms = time === null ? Number.NaN : Date.parse(time);
    if (ms < bestMs) {
      best = time;
      bestMs = ms;
    }
  }
  return best;
}

/**
 * Groups a cluster's alertable pending pods by owning team and main cause, and finds the nodes that block
 * each group. Pure: the same input always gives the same groups, largest first.
 */
export function groupPendingPods(input: GroupingInput): PendingGroup[] {
  const pendingAfterMs = parseDuration(input.config.alerting.pendingAfter);
  const largest = largestCapacity(input.nodes);
  const readings = new Map<string, SchedulingReading | null>();
  // Pods of one workload share a message, so the cause of a message is computed once.
  const causesByMessage = new Map<string, Cause>();
  const members = new Map<string, { team: string; causes: Cause[]; pods: PodView[]; neverFits: NeverFits[] }>();
  for (const pod of input.pods) {
    if (!isAlertablePending(pod, input.now, pendingAfterMs)) continue;
    const neverFits = findNeverFits(pod, largest);
    const message = pod.scheduled?.message ?? '';
    let cause = neverFits ? causeOfNeverFits(neverFits) : causesByMessage.get(message);
    if (cause === undefined) {
      cause = causeOfPod(pod, readMessage(message, readings), largest);
      causesByMessage.set(message, cause);
    }
    const team = teamOfNamespace(input.config, pod.namespace);
    const key = groupKey(input.cluster, team, cause.key);
    const entry = members.get(key) ?? { team, causes: [], pods: [], neverFits: [] };
    entry.causes.push(cause);
    entry.pods.push(pod);
    if (neverFits) entry.neverFits.push(neverFits);
    members.set(key, entry);
  }
  const groups: PendingGroup[] = [];
  for (const [key, entry] of members) {
    const cause = mostCommon(entry.causes, (candidate) => candidate.text);
    const neverFits = entry.neverFits.length > 0 ? mostCommon(entry.neverFits, (value) => String(value.requested)) : undefined;
    groups.push({
      key,
      cluster: input.cluster,
      team: entry.team,
      cause,
      ...(neverFits ? { neverFits } : {}),
      pods: entry.pods,
      since: earliest(entry.pods.map(pendingSince)),
      workloads: countWorkloads(entry.pods),
      namespaces: [...new Set(entry.pods.map((pod) => pod.namespace))].sort(),
      blocking: findBlockingNodes(input.nodes, cause, neverFits),
    });
  }
  return groups.sort((a, b) => b.pods.length - a.pods.length || a.key.localeCompare(b.key));
}

/** Groups the pending pods of one cluster as the fleet shows them now. */
export function deriveGroups(ctx: PitstopContext, cluster: string): PendingGroup[] {
  return groupPendingPods({
    cluster,
    nodes: ctx.fleet.nodes(cluster),
    pods: ctx.fleet.pendingPods(cluster),
    config: ctx.config,
    now: ctx.clock.now(),
  });
}
