import type { NodeView } from '../../k8s/views.js';
import { findCondition } from './context.js';
import type { MaintenanceFacts, NodeSnapshot, NodeValidation } from './types.js';

/** Recovery state of a node in a maintenance's scope; the same values as the tracker's stored node state. */
export type NodeRecoveryState = 'scheduled' | 'draining' | 'down' | 'returned' | 'validated' | 'failed';

export interface NodeStateInput {
  before?: NodeSnapshot | null;
  /** The latest {@link validateNode} result; without it a node that is back counts as `returned`. */
  validation?: NodeValidation | null;
  maintenance?: MaintenanceFacts;
  /** Whether the tracker saw the node cordoned, down or rebooted since the maintenance started. */
  touched?: boolean;
  /** Whether the tracker saw the node NotReady or gone since the maintenance started. */
  wentDown?: boolean;
}

export interface NodeStateReading {
  state: NodeRecoveryState;
  /** Whether the node has been touched by the maintenance, including what this reading saw. */
  touched: boolean;
  evidence: string;
}

/**
 * Classifies one node for the maintenance tracker from its current view and its snapshot:
 * - `down`: gone from the cluster, or not Ready.
 * - `scheduled`: not cordoned, rebooted or down since the maintenance started.
 * - `draining`: cordoned and not back yet. For a maintenance that requires a reboot, "back" means the boot id
 *   changed, or the tracker saw the node down when the boot ids are unknown. Otherwise a node is back once it went
 *   down, rebooted, or was uncordoned.
 * - `returned`, `validated`, `failed`: back, and the validation is unknown or absent, ready, or not ready.
 *   A node held only by its maintenance cordon is `failed`; {@link readyExceptCordon} identifies that case.
 */
export function classifyNodeState(node: NodeView | null, input: NodeStateInput = {}): NodeStateReading {
  if (node === null) return { state: 'down', touched: true, evidence: 'The node is not in the cluster.' };
  const ready = findCondition(node, 'Ready');
  if (ready === null || ready.status !== 'True') {
    const status = ready === null ? 'no Ready condition' : `Ready=${ready.status}`;
    return { state: 'down', touched: true, evidence: `The node is down: ${status}.` };
  }
  const before = input.before ?? null;
  const rebooted = before?.bootId && node.bootId ? before.bootId !== node.bootId : null;
  const cordoned = node.unschedulable === true;
  const newCordon = cordoned && before?.unschedulable !== true;
  const touched = input.touched === true || input.wentDown === true || rebooted === true || newCordon;
  if (!touched) return { state: 'scheduled', touched, evidence: 'Ready and not cordoned or rebooted yet.' };

  const requiresReboot = input.maintenance?.requiresReboot ?? false;
  const back = requiresReboot
    ? rebooted === true || (rebooted === null && input.wentDown === true)
    : rebooted === true || input.wentDown === true || !cordoned;
  if (!back) {
    if (!cordoned) return { state: 'scheduled', touched, evidence: 'Uncordoned, but the node has not rebooted yet.' };
    const waiting = requiresReboot ? ', waiting for its reboot' : '';
    return { state: 'draining', touched, evidence: `Cordoned and Ready${waiting}.` };
  }
  const validation = input.validation ?? null;
  if (validation?.verdict === 'ready')
    return { state: 'validated', touched, evidence: 'Back, and every check passes.' };
  if (validation?.verdict === 'not_ready') {
    return { state: 'failed', touched, evidence: `Back, but not ready: ${validation.reasons.join(', ')}.` };
  }
  const pending = validation
    ? `: ${validation.reasons.join(', ') || 'some checks are unknown'}`
    : ': not validated yet';
  return { state: 'returned', touched, evidence: `Back${pending}.` };
}

/**
 * Returns whether the only failures are the cordon and configured maintenance taints, with no hold by another owner.
 * Uncordoning such a node (and removing the maintenance taints) returns it.
 */
export function readyExceptCordon(validation: NodeValidation): boolean {
  if (validation.verdict !== 'not_ready' || validation.holds.length > 0) return false;
  return validation.checks.every(
    (check) =>
      check.result === 'pass' ||
      (check.result === 'fail' &&
        check.reasons.every((reason) => reason === 'cordoned' || reason.startsWith('maintenance_taint:'))),
  );
}
