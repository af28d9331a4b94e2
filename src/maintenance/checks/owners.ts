/**
 * Marks that other controllers put on nodes they hold, from the controllers' documentation: NVIDIA NVSentinel,
 * Medik8s, kured, AWS Node Termination Handler, GKE, AKS node auto-drain, CoreWeave, the NVIDIA GPU and network
 * operators, and draino. Pitstop shows these holds and never removes them.
 */

interface KeyRule {
  owner: string;
  /** Matches the whole key, a key prefix ending in `/` or `-`, or a key suffix starting with `/`. */
  keys: string[];
  /** When set, the mark is a hold only with one of these values (labels such as `managed=false`). */
  values?: string[];
}

const TAINT_RULES: KeyRule[] = [
  {
    owner: 'NVSentinel',
    keys: [
      'nvsentinel.nvidia.com/',
      'nvidia.com/gpu-xid-error',
      'nvidia.com/gpu-nvlink-error',
      'nvidia.com/syslog-xid-error',
      'nvidia.com/gpu-error',
    ],
  },
  { owner: 'Medik8s node maintenance', keys: ['medik8s.io/drain'] },
  { owner: 'Medik8s remediation', keys: ['remediation.medik8s.io/'] },
  { owner: 'kured', keys: ['weave.works/kured-'] },
  { owner: 'AWS Node Termination Handler', keys: ['aws-node-termination-handler/'] },
  {
    owner: 'GKE host maintenance',
    keys: ['cloud.google.com/impending-node-termination', 'cloud.google.com/maintenance-window-started'],
  },
  { owner: 'AKS node auto-drain', keys: ['remediator.kubernetes.azure.com/'] },
  { owner: 'CoreWeave', keys: ['node.coreweave.cloud/'] },
];

const LABEL_RULES: KeyRule[] = [
  { owner: 'NVSentinel', keys: ['/cordon-by'] },
  { owner: 'NVSentinel', keys: ['nvsentinel.dgxc.nvidia.com/managed'], values: ['false'] },
  { owner: 'Medik8s remediation', keys: ['remediation.medik8s.io/exclude-from-remediation'] },
  { owner: 'AWS Node Termination Handler', keys: ['aws-node-termination-handler/action'] },
  {
    owner: 'GKE host maintenance',
    keys: ['cloud.google.com/active-node-maintenance', 'cloud.google.com/scheduled-maintenance-time'],
  },
  { owner: 'NVIDIA network operator', keys: ['nvidia.com/operator.nic-configuration.wait'], values: ['true'] },
  { owner: 'NVIDIA network operator', keys: ['network.nvidia.com/operator.mofed.wait'], values: ['true'] },
];

const ANNOTATION_RULES: KeyRule[] = [
  { owner: 'NVSentinel', keys: ['quarantineHealthEvent', '/quarantineHealthEvent'] },
  { owner: 'kured', keys: ['weave.works/kured-reboot-in-progress', 'weave.works/kured-node-lock'] },
  { owner: 'Medik8s remediation', keys: ['remediation.medik8s.io/nhc-timed-out'] },
  { owner: 'draino', keys: ['draino/drain-retry'] },
];

/**
 * Taints the node lifecycle controller and the kubelet manage: they clear when the node is healthy, so they are
 * state, not holds.
 */
export const LIFECYCLE_TAINTS = new Set([
  'node.kubernetes.io/not-ready',
  'node.kubernetes.io/unreachable',
  'node.kubernetes.io/out-of-service',
  'node.kubernetes.io/network-unavailable',
  'node.cloudprovider.kubernetes.io/uninitialized',
  'node.kubernetes.io/memory-pressure',
  'node.kubernetes.io/disk-pressure',
  'node.kubernetes.io/pid-pressure',
]);

export const CORDON_TAINT = 'node.kubernetes.io/unschedulable';

/**
 * Taints that dedicate a node to a workload class and stay on it in service: GKE's and AKS's GPU pool taints
 * (`nvidia.com/gpu`, `sku=gpu`) and control-plane taints. They do not block a return.
 */
export const DEDICATED_TAINTS = new Set([
  'nvidia.com/gpu',
  'amd.com/gpu',
  'sku',
  'node-role.kubernetes.io/master',
  'node-role.kubernetes.io/control-plane',
]);

function matches(rule: KeyRule, key: string, value: string): boolean {
  const keyMatch = rule.keys.some((pattern) => {
    if (pattern.startsWith('/')) return key.endsWith(pattern);
    if (pattern.endsWith('/') || pattern.endsWith('-')) return key.startsWith(pattern);
    return key === pattern;
  });
  return keyMatch && (rule.values === undefined || rule.values.includes(value.toLowerCase()));
}

function ownerBy(rules: KeyRule[], key: string, value: string): string | null {
  return rules.find((rule) => matches(rule, key, value))?.owner ?? null;
}

/** Returns the controller that places a taint with this key, or `null` when no known controller does. */
export function taintOwner(key: string): string | null {
  return ownerBy(TAINT_RULES, key, '');
}

/** Returns the controller whose label this is when the label is a hold, else `null`. */
export function labelOwner(key: string, value: string): string | null {
  return ownerBy(LABEL_RULES, key, value);
}

/** Returns the controller whose annotation this is when the annotation is a hold, else `null`. */
export function annotationOwner(key: string): string | null {
  return ownerBy(ANNOTATION_RULES, key, '');
}
