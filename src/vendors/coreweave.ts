import type { NodeView } from '../k8s/views.js';
import { makeEvent } from './events.js';
import { detectNodes, readNodes } from './nodes.js';
import { baseResourceNames, firstLabel, nvlinkDomainOf, providerIdSegments, skuOf } from './topology.js';
import type { VendorAdapter, VendorEvent } from './types.js';

const NODE_STATE = 'coreweave-node-state';

/**
 * CoreWeave publishes no maintenance feed. Its lifecycle controller moves nodes through states it
 * records in this label (`production`, `zap` for firmware work, `triage`, ...), so a node outside
 * `production` is under CoreWeave's maintenance.
 * @see https://docs.coreweave.com/products/cks/clusters/scheduling/workload-scheduling
 */
const STATE_LABEL = 'node.coreweave.cloud/state';

function nodeSignals(node: NodeView): VendorEvent[] {
  const state = node.labels[STATE_LABEL];
  if (state === undefined || state === '' || state === 'production') return [];
  return [
    makeEvent(
      'coreweave',
      {
        eventId: null,
        kind: 'unknown',
        status: 'started',
        notBefore: null,
        notAfter: null,
        resources: [node.name],
        durationSeconds: null,
        canReschedule: null,
      },
      { code: state, description: `CoreWeave lifecycle state ${state}` },
    ),
  ];
}

const hasSignal = (node: NodeView): boolean => nodeSignals(node).length > 0;

export const coreweaveAdapter: VendorAdapter = {
  vendor: 'coreweave',
  formats: [NODE_STATE],
  detect: (document) => (detectNodes(document, hasSignal) ? NODE_STATE : null),
  read: (document) => readNodes(document, 'coreweave', NODE_STATE, nodeSignals),
  topology: (node, options) => ({
    rack: firstLabel(
      node,
      ...(options?.rackLabel ? [options.rackLabel] : []),
      'node.coreweave.cloud/rack',
      'ds.coreweave.com/physical-topology.rack-name',
    ),
    sku: skuOf(node, 'gpu.nvidia.com/class'),
    fabric: firstLabel(node, 'backend.coreweave.cloud/superpod', 'network.topology.nvidia.com/leaf'),
    nvlinkDomain: nvlinkDomainOf(node),
    instanceId: providerIdSegments(node).at(-1) ?? null,
  }),
  nodeSignals,
  resourceNames: (node) => baseResourceNames(node, providerIdSegments(node).at(-1) ?? null),
};
