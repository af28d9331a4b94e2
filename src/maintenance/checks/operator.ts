import type { PodView } from '../../k8s/views.js';
import { combine, formatDuration, listText, type Finding } from './format.js';
import { DRIVER_UPGRADE_LABEL } from './holds.js';
import { OPERAND_LABEL_PREFIX } from './resources.js';
import type { CheckContext, ValidationCheck } from './types.js';

interface Operand {
  /** The `app` label of the operand's pods, which is also their name prefix. */
  app: string;
  reason: string;
  /** Validators that run to completion once per boot instead of staying Running. */
  runsOnce?: boolean;
}

/** GPU operator operands, by the names the operator's DaemonSets and validator pods use. */
const OPERANDS: Operand[] = [
  { app: 'nvidia-operator-validator', reason: 'validator_not_ready' },
  { app: 'nvidia-cuda-validator', reason: 'validator_not_ready', runsOnce: true },
  { app: 'nvidia-device-plugin-validator', reason: 'validator_not_ready', runsOnce: true },
  { app: 'nvidia-device-plugin-daemonset', reason: 'device_plugin_not_ready' },
  { app: 'nvidia-driver-daemonset', reason: 'driver_not_ready' },
  { app: 'nvidia-container-toolkit-daemonset', reason: 'toolkit_not_ready' },
  { app: 'gpu-feature-discovery', reason: 'gfd_not_ready' },
  { app: 'nvidia-dcgm-exporter', reason: 'dcgm_exporter_not_ready' },
  { app: 'nvidia-dcgm', reason: 'dcgm_not_ready' },
  { app: 'nvidia-mig-manager', reason: 'mig_manager_not_ready' },
];

const VALIDATOR_LABEL = `${OPERAND_LABEL_PREFIX}operator-validator`;

/** Finds the operand a pod runs, by its `app` label or else the longest operand name its pod name starts with. */
export function operandOf(pod: PodView): Operand | null {
  const byLabel = OPERANDS.find((operand) => pod.labels.app === operand.app);
  if (byLabel) return byLabel;
  const byName = OPERANDS.filter((operand) => pod.name.startsWith(`${operand.app}-`));
  return byName.sort((a, b) => b.app.length - a.app.length)[0] ?? null;
}

/**
 * GPU operator validators and operands on the node are Ready (one-shot validators Completed), no operand is paused
 * through its `nvidia.com/gpu.deploy.<operand>` label, and no driver upgrade is in progress. GPU feature discovery
 * labels may be left from an earlier boot, so only the pods prove the stack came up.
 */
export function checkGpuOperator(ctx: CheckContext): ValidationCheck | null {
  const name = 'gpu-operator';
  const labels = ctx.node.labels;
  const operandLabels = Object.entries(labels).filter(([key]) => key.startsWith(OPERAND_LABEL_PREFIX));
  const upgradeState = labels[DRIVER_UPGRADE_LABEL];
  const namespace = ctx.config.gpuOperatorNamespace;
  const operatorPods = (ctx.pods ?? []).filter((pod) => pod.namespace === namespace && operandOf(pod) !== null);
  if (operandLabels.length === 0 && upgradeState === undefined && operatorPods.length === 0) return null;

  const findings: Finding[] = [];
  const paused = operandLabels.filter(
    ([key, value]) => value.startsWith('paused') || (value === 'false' && ctx.before?.operandLabels[key] !== 'false'),
  );
  if (paused.length > 0) {
    const text = `operands paused: ${paused.map(([key, value]) => `${key}=${value}`).join(', ')}`;
    findings.push({ result: 'fail', text, reason: 'gpu_operands_paused' });
  }
  if (upgradeState !== undefined) findings.push(upgradeFinding(upgradeState));
  findings.push(...podFindings(ctx, operatorPods, labels[VALIDATOR_LABEL] === 'true'));
  return combine(name, findings, '');
}

function upgradeFinding(state: string): Finding {
  const text = `${DRIVER_UPGRADE_LABEL}=${state}`;
  if (state === 'upgrade-done') return { result: 'pass', text };
  if (state === 'upgrade-failed') return { result: 'fail', text, reason: 'gpu_driver_upgrade_failed' };
  return {
    result: 'fail',
    text: `${text}: the driver upgrade is still in progress`,
    reason: 'gpu_driver_upgrade_in_progress',
  };
}

function podFindings(ctx: CheckContext, operatorPods: PodView[], validatorExpected: boolean): Finding[] {
  const namespace = ctx.config.gpuOperatorNamespace;
  if (ctx.pods === null) {
    return [
      {
        result: 'unknown',
        text: 'no pods given, so the operator validator could not be checked',
        reason: 'validator_unknown',
      },
    ];
  }
  const findings = operatorPods.map((pod) => podFinding(ctx, pod, operandOf(pod)!));
  const hasValidator = operatorPods.some((pod) => operandOf(pod)?.app === 'nvidia-operator-validator');
  if (!hasValidator && (validatorExpected || operatorPods.length > 0)) {
    const elsewhere = [
      ...new Set(ctx.pods.filter((pod) => operandOf(pod) !== null).map((pod) => pod.namespace)),
    ].filter((other) => other !== namespace);
    const hint =
      elsewhere.length > 0 ? ` (operator pods run in ${listText(elsewhere)}: set validation.gpuOperatorNamespace)` : '';
    findings.push({
      result: 'unknown',
      text: `no nvidia-operator-validator pod in namespace ${namespace} on this node${hint}`,
      reason: 'validator_missing',
    });
  }
  return findings;
}

function podFinding(ctx: CheckContext, pod: PodView, operand: Operand): Finding {
  const state = podState(pod);
  if (operand.runsOnce) {
    if (pod.phase === 'Succeeded') return { result: 'pass', text: `${pod.name} Completed` };
    if (pod.phase === 'Failed') return { result: 'fail', text: `${pod.name} failed: ${state}`, reason: operand.reason };
  } else if (pod.phase === 'Running' && pod.ready === 'True') {
    return { result: 'pass', text: `${pod.name} Running and Ready` };
  }
  const text = `${pod.name} is ${state}`;
  if (ctx.settling && ctx.upSince !== null) {
    const age = formatDuration(ctx.now - ctx.upSince);
    return { result: 'unknown', text: `${text}; the node came up ${age} ago`, reason: `settling:${operand.reason}` };
  }
  return { result: 'fail', text, reason: operand.reason };
}

/** Describes a pod's state the way `kubectl get pods` does: `Init:0/4`, `CrashLoopBackOff`, `Running, not Ready`. */
function podState(pod: PodView): string {
  const inits = pod.initContainerStatuses;
  const finished = inits.filter((status) => status.state === 'terminated' && status.exitCode === 0);
  const blocking = inits.find((status) => !finished.includes(status));
  if (blocking && pod.phase !== 'Succeeded') {
    const reason = blocking.reason ? `: ${blocking.reason}` : '';
    return `Init:${finished.length}/${inits.length} (${blocking.name} ${blocking.state}${reason})`;
  }
  const notReady = pod.containerStatuses.find((status) => !status.ready);
  const phase = pod.phase ?? 'in an unknown phase';
  if (notReady === undefined) return pod.ready === 'True' ? phase : `${phase}, not Ready`;
  const reason = notReady.reason ? `: ${notReady.reason}` : '';
  return `${phase}, not Ready (${notReady.name} ${notReady.state}${reason})`;
}
