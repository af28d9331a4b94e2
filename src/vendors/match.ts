import type { PitstopConfig } from '../config/schema.js';
import type { FleetView } from '../k8s/fleet.js';
import type { NodeView } from '../k8s/views.js';
import { adapterFor } from './index.js';
import type { NoticeReading, VendorEvent } from './types.js';

/** A node of a configured cluster that an event names. */
export interface NodeMatch {
  cluster: string;
  node: string;
  /** The resource as the notice named it. */
  resource: string;
}

export interface EventMatch {
  event: VendorEvent;
  nodes: NodeMatch[];
  /** Resources of the event that name no node of a configured cluster. */
  unmatchedResources: string[];
}

export interface NoticeMatch {
  events: EventMatch[];
  /** Clusters with at least one matched node, in config order. */
  clusters: string[];
  matchedNodes: number;
}

type NameIndex = Map<string, NodeView>;

/**
 * Indexes a cluster's nodes by every name its vendor's notices may use (node name, hostname,
 * instance id, VM name), lower-cased because Azure compares VM names without case.
 */
function indexCluster(fleet: FleetView, cluster: PitstopConfig['clusters'][number]): NameIndex {
  const index: NameIndex = new Map();
  const adapter = adapterFor(cluster.vendor);
  for (const node of fleet.nodes(cluster.name)) {
    for (const name of adapter.resourceNames(node)) index.set(name.toLowerCase(), node);
  }
  return index;
}

/** Returns whether a cluster may host the event's machines: same vendor, or either side generic. */
function vendorFits(event: VendorEvent, cluster: PitstopConfig['clusters'][number]): boolean {
  return event.vendor === cluster.vendor || event.vendor === 'generic' || cluster.vendor === 'generic';
}

/**
 * Matches each event's resources against the nodes of the configured clusters the fleet watches, by node
 * name, hostname label and the vendor's instance id or VM name. A resource that matches in several
 * clusters is reported once per cluster.
 */
export function matchNotice(reading: NoticeReading, fleet: FleetView, config: PitstopConfig): NoticeMatch {
  const known = new Set(fleet.clusters());
  const clusters = config.clusters.filter((cluster) => known.has(cluster.name));
  const indexes = new Map<string, NameIndex>();
  const indexOf = (cluster: PitstopConfig['clusters'][number]): NameIndex => {
    let index = indexes.get(cluster.name);
    if (index === undefined) {
      index = indexCluster(fleet, cluster);
      indexes.set(cluster.name, index);
    }
    return index;
  };

  const events = reading.events.map((event): EventMatch => {
    const nodes: NodeMatch[] = [];
    const unmatchedResources: string[] = [];
    for (const resource of event.resources) {
      const found = clusters
        .filter((cluster) => vendorFits(event, cluster))
        .flatMap((cluster) => {
          const node = indexOf(cluster).get(resource.toLowerCase());
          return node ? [{ cluster: cluster.name, node: node.name, resource }] : [];
        });
      if (found.length === 0) unmatchedResources.push(resource);
      nodes.push(...found);
    }
    return { event, nodes, unmatchedResources };
  });

  const matchedClusters = new Set(events.flatMap((match) => match.nodes.map((node) => node.cluster)));
  return {
    events,
    clusters: config.clusters.map((cluster) => cluster.name).filter((name) => matchedClusters.has(name)),
    matchedNodes: events.reduce((sum, match) => sum + match.nodes.length, 0),
  };
}
