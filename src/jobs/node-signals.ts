import type { PitstopConfig } from '../config/schema.js';
import type { PitstopContext } from '../context.js';
import type { NodeView } from '../k8s/views.js';
import { makeReading } from '../vendors/events.js';
import { adapterFor } from '../vendors/index.js';
import { storeReading } from '../vendors/intake.js';
import { latestNoticeFrom } from '../vendors/notice-store.js';
import { groupNodeSignals } from '../vendors/signal-groups.js';
import type { VendorEvent } from '../vendors/types.js';

/** Format of the notices this rule stores: the Node format of the intake, grouped per vendor event. */
const NODE_FORMAT = 'kubernetes-node';

/** Returns the origin of a cluster's node-signal notices, so each cluster's notices form one snapshot series. */
export function nodeSignalOrigin(cluster: string): string {
  return `cluster:${cluster}`;
}

/** Builds the parts of a Node that vendors announce maintenance in, in the Kubernetes JSON shape. */
function nodeDocument(node: NodeView): Record<string, unknown> {
  const spec: Record<string, unknown> = {};
  if (node.providerId !== null) spec.providerID = node.providerId;
  if (node.taints !== null) spec.taints = node.taints;
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name: node.name, labels: node.labels },
    spec,
    status: node.conditions === null ? {} : { conditions: node.conditions },
  };
}

function reconcileCluster(ctx: PitstopContext, cluster: PitstopConfig['clusters'][number]): void {
  const adapter = adapterFor(cluster.vendor);
  const signalled: NodeView[] = [];
  const signals: VendorEvent[] = [];
  for (const node of ctx.fleet.nodes(cluster.name)) {
    const events = adapter.nodeSignals(node);
    if (events.length === 0) continue;
    signalled.push(node);
    signals.push(...events);
  }

  const origin = nodeSignalOrigin(cluster.name);
  const previous = latestNoticeFrom(ctx.db, { vendor: cluster.vendor, format: NODE_FORMAT, origin });
  const events = groupNodeSignals(cluster.name, signals, previous?.events ?? []);
  if (previous === undefined ? events.length === 0 : JSON.stringify(previous.events) === JSON.stringify(events)) return;

  const document = JSON.stringify({ apiVersion: 'v1', kind: 'NodeList', items: signalled.map(nodeDocument) });
  const reading = makeReading(cluster.vendor, NODE_FORMAT, events, []);
  const result = storeReading(ctx, document, reading, { vendor: cluster.vendor, format: NODE_FORMAT, origin }, { snapshot: true });
  ctx.log.info(
    { cluster: cluster.name, vendor: cluster.vendor, nodes: signalled.length, events: events.length, notice: result.body.id },
    'node maintenance signals changed',
  );
}

/**
 * Reads the maintenance signals (labels, taints, conditions) of every node of each synced cluster with the
 * cluster's vendor adapter, and stores them as a notice whenever they differ from the last one stored for
 * the cluster. The notice goes through the intake's store path, so it is matched, creates or updates
 * maintenances, and records the events that disappeared as ended, as a posted snapshot notice would.
 * An unchanged fleet stores nothing.
 */
export function reconcileNodeSignals(ctx: PitstopContext): void {
  const watched = new Set(ctx.fleet.clusters());
  for (const cluster of ctx.config.clusters) {
    if (!watched.has(cluster.name) || !ctx.fleet.synced(cluster.name)) continue;
    reconcileCluster(ctx, cluster);
  }
}
