import type { NodeView } from '../k8s/views.js';
import { checkConditions } from './checks/conditions.js';
import { buildContext } from './checks/context.js';
import { checkCustom } from './checks/custom.js';
import { checkGpu } from './checks/gpu.js';
import { checkHolds, listHolds } from './checks/holds.js';
import { checkBootId, checkIdentity, checkSoak } from './checks/lifecycle.js';
import { checkGpuOperator } from './checks/operator.js';
import { checkRdma } from './checks/rdma.js';
import { checkReady } from './checks/ready.js';
import { checkSchedulable } from './checks/schedulable.js';
import { checkTaints } from './checks/taints.js';
import type { NodeValidation, ValidationCheck, ValidationInput } from './checks/types.js';

export { snapshotNode, readNodeSnapshot } from './checks/snapshot.js';
export { classifyNodeState, readyExceptCordon } from './checks/state.js';
export type { NodeRecoveryState, NodeStateInput, NodeStateReading } from './checks/state.js';
export { SETTLE_MS } from './checks/types.js';
export type {
  CheckResult,
  MaintenanceFacts,
  NodeSnapshot,
  NodeValidation,
  ResourceAmount,
  ValidationCheck,
  ValidationInput,
} from './checks/types.js';

/**
 * Runs the readiness-to-return checks on one node after a maintenance. Checks that do not apply (no GPUs, no RDMA
 * configured, no reboot required, no snapshot) are left out. The verdict is `not_ready` when any check fails, even
 * if others are unknown, then `unknown` when any check lacks evidence or is still settling or soaking, else `ready`.
 */
export function validateNode(node: NodeView, input: ValidationInput): NodeValidation {
  const ctx = buildContext(node, input);
  const checks = [
    checkReady(ctx),
    checkSchedulable(ctx),
    checkTaints(ctx),
    checkHolds(ctx),
    checkConditions(ctx),
    checkGpu(ctx),
    checkRdma(ctx),
    checkGpuOperator(ctx),
    checkBootId(ctx),
    checkIdentity(ctx),
    checkSoak(ctx),
    ...checkCustom(ctx),
  ].filter((check): check is ValidationCheck => check !== null);
  const failing = checks.filter((check) => check.result === 'fail');
  const unknown = checks.filter((check) => check.result === 'unknown');
  let verdict: NodeValidation['verdict'] = 'ready';
  if (failing.length > 0) verdict = 'not_ready';
  else if (unknown.length > 0) verdict = 'unknown';
  const reasonSource = verdict === 'not_ready' ? failing : unknown;
  return {
    name: node.name,
    verdict,
    checks,
    reasons: [...new Set(reasonSource.flatMap((check) => check.reasons))],
    holds: listHolds(ctx),
  };
}
