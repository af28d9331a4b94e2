import type { PitstopConfig } from '../config/schema.js';
import type { PitstopContext } from '../context.js';
import type { NodeView, PodView } from '../k8s/views.js';
import { gpuRequest } from '../k8s/views.js';
import { gpuCapacity } from './gpus.js';
import type { Maintenance } from './model.js';
import { clusterConfig, placementOf, selectNodes } from './scope.js';

export interface SkuCount {
  sku: string;
  nodes: number;
  gpus: number;
}

export interface TeamImpact {
  team: string;
  /** Slack user group id, or null for namespaces no team declares. */
  userGroup: string | null;
  namespaces: string[];
  pods: number;
  gpus: number;
}

/** Nodes, GPUs, racks and teams that a maintenance takes out of one cluster. */
export interface ClusterRadius {
  cluster: string;
  /** False when the cluster's nodes had not finished loading, so the counts below are unknown. */
  synced: boolean;
  nodes: number;
  gpus: number;
  bySku: SkuCount[];
  racks: string[];
  /** Nodes the scope names that the cluster does not have. */
  missing: string[];
  teams: TeamImpact[];
  /** Set when listing the pods on the nodes failed, so `teams` is incomplete. */
  workloadError: string | null;
}

export interface BlastRadius {
  computedAt: string;
  clusters: ClusterRadius[];
}

/** Teams whose workloads run on each node, from the same pod list as the blast radius. */
export type NodeTeams = Map<string, string[]>;

const NO_SKU = 'no GPU product label';

/** Pods that belong to a workload: DaemonSet pods are node infrastructure, finished pods hold nothing. */
function isWorkload(pod: PodView): boolean {
  if (pod.owner?.kind === 'DaemonSet') return false;
  return pod.phase !== 'Succeeded' && pod.phase !== 'Failed';
}

/** Returns the team that owns a namespace: a declared team, else `alerting.defaultTeam`, else the namespace itself. */
export function teamOfNamespace(config: PitstopConfig, namespace: string): { team: string; userGroup: string | null } {
  const team = config.teams.find((entry) => entry.namespaces.includes(namespace));
  if (team) return { team: team.name, userGroup: team.userGroup };
  const fallback = config.alerting.defaultTeam;
  const defaultTeam = fallback === undefined ? undefined : config.teams.find((entry) => entry.name === fallback);
  if (defaultTeam) return { team: defaultTeam.name, userGroup: defaultTeam.userGroup };
  return { team: `namespace ${namespace}`, userGroup: null };
}

function countSkus(cluster: ReturnType<typeof clusterConfig>, nodes: NodeView[]): SkuCount[] {
  const bySku = new Map<string, SkuCount>();
  for (const node of nodes) {
    const sku = placementOf(cluster, node).sku ?? NO_SKU;
    const entry = bySku.get(sku) ?? { sku, nodes: 0, gpus: 0 };
    entry.nodes += 1;
    entry.gpus += gpuCapacity(node);
    bySku.set(sku, entry);
  }
  return [...bySku.values()].sort((a, b) => b.gpus - a.gpus || a.sku.localeCompare(b.sku));
}

/** Groups workload pods by team, and records which teams run on which node. */
export function teamsOf(config: PitstopConfig, pods: readonly PodView[], nodeTeams: NodeTeams): TeamImpact[] {
  const teams = new Map<string, TeamImpact>();
  for (const pod of pods.filter(isWorkload)) {
    const owner = teamOfNamespace(config, pod.namespace);
    const entry = teams.get(owner.team) ?? { ...owner, namespaces: [], pods: 0, gpus: 0 };
    if (!entry.namespaces.includes(pod.namespace)) entry.namespaces.push(pod.namespace);
    entry.pods += 1;
    entry.gpus += gpuRequest(pod);
    teams.set(owner.team, entry);
    if (pod.nodeName !== null) {
      const onNode = nodeTeams.get(pod.nodeName) ?? [];
      if (!onNode.includes(owner.team)) onNode.push(owner.team);
      nodeTeams.set(pod.nodeName, onNode);
    }
  }
  return [...teams.values()].sort((a, b) => b.pods - a.pods || a.team.localeCompare(b.team));
}

async function clusterRadius(
  ctx: PitstopContext,
  entry: Maintenance['clusters'][number],
  nodeTeams: NodeTeams,
): Promise<ClusterRadius> {
  const cluster = clusterConfig(ctx.config, entry.cluster);
  const synced = ctx.fleet.synced(entry.cluster);
  const selection = selectNodes(cluster, entry.scope, ctx.fleet.nodes(entry.cluster));
  const names = selection.nodes.map((node) => node.name);
  let teams: TeamImpact[] = [];
  let workloadError: string | null = null;
  if (names.length > 0) {
    try {
      teams = teamsOf(ctx.config, await ctx.fleet.podsOnNodes(entry.cluster, names), nodeTeams);
    } catch (error) {
      workloadError = error instanceof Error ? error.message : String(error);
      ctx.log.warn({ cluster: entry.cluster, err: error }, 'listing pods on maintenance nodes failed');
    }
  }
  const racks = new Set(selection.nodes.map((node) => placementOf(cluster, node).rack).filter((rack) => rack !== null));
  return {
    cluster: entry.cluster,
    synced,
    nodes: selection.nodes.length,
    gpus: selection.nodes.reduce((sum, node) => sum + gpuCapacity(node), 0),
    bySku: countSkus(cluster, selection.nodes),
    racks: [...racks].sort(),
    missing: selection.missing,
    teams,
    workloadError,
  };
}

/**
 * Computes what a maintenance takes out of the given clusters (all of its clusters when omitted), from the
 * live node list and one pod list per cluster. `nodeTeams` receives the teams found on each node.
 */
export async function computeBlastRadius(
  ctx: PitstopContext,
  maintenance: Maintenance,
  options: { clusters?: readonly string[]; nodeTeams?: Map<string, NodeTeams> } = {},
): Promise<BlastRadius> {
  const wanted = maintenance.clusters.filter(
    (entry) => options.clusters === undefined || options.clusters.includes(entry.cluster),
  );
  const clusters: ClusterRadius[] = [];
  for (const entry of wanted) {
    const nodeTeams: NodeTeams = new Map();
    clusters.push(await clusterRadius(ctx, entry, nodeTeams));
    options.nodeTeams?.set(entry.cluster, nodeTeams);
  }
  return { computedAt: ctx.clock.now().toISOString(), clusters };
}

/** Teams across clusters, each once, with their pods and GPUs summed. */
export function mergeTeams(radius: BlastRadius): TeamImpact[] {
  const merged = new Map<string, TeamImpact>();
  for (const cluster of radius.clusters) {
    for (const team of cluster.teams) {
      const entry = merged.get(team.team) ?? { ...team, namespaces: [], pods: 0, gpus: 0 };
      for (const namespace of team.namespaces)
        if (!entry.namespaces.includes(namespace)) entry.namespaces.push(namespace);
      entry.pods += team.pods;
      entry.gpus += team.gpus;
      merged.set(team.team, entry);
    }
  }
  return [...merged.values()].sort((a, b) => b.pods - a.pods || a.team.localeCompare(b.team));
}
