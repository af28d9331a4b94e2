import type { NodeConditionView, PodView } from '../../k8s/views.js';
import { reportedAt } from './context.js';
import { check, combine, formatTime, listText, toMillis, type Finding } from './format.js';
import type { CheckContext, ValidationCheck } from './types.js';

/** Conditions the kubelet owns besides Ready: bad when True, refreshed with every status update. */
const KUBELET_CONDITIONS = new Set([
  'MemoryPressure',
  'DiskPressure',
  'PIDPressure',
  'NetworkUnavailable',
  'OutOfDisk',
]);

/** CoreWeave's conditions. CoreWeave documents them as internal and not for automation, so they are never judged. */
const INFORMATIONAL_CONDITIONS = new Set(['CWActive', 'PhaseState']);

/**
 * Checks that no problem condition is True. Every condition other than Ready and the kubelet's follows the
 * node-problem-detector convention that True means a problem, unless a custom `condition` check judges it.
 * A condition counts only when reported after the node came back (or after the maintenance started), because
 * node-problem-detector resets its conditions to False when it restarts and log-based conditions are never cleared.
 * Older True conditions are ignored. Conditions in `validation.badConditions` must have a fresh report, so an old
 * report of one is `unknown`.
 */
export function checkConditions(ctx: CheckContext): ValidationCheck {
  const name = 'conditions';
  const conditions = ctx.node.conditions;
  if (conditions === null)
    return check(name, 'unknown', 'The object does not show status.conditions.', ['conditions_unknown']);
  const judgedElsewhere = new Set(
    ctx.config.custom.flatMap((custom) => (custom.type === 'condition' ? [custom.condition] : [])),
  );
  const findings: Finding[] = [];
  const healthy: string[] = [];
  for (const condition of conditions) {
    if (condition.type === 'Ready' || judgedElsewhere.has(condition.type)) continue;
    if (INFORMATIONAL_CONDITIONS.has(condition.type)) continue;
    const finding = KUBELET_CONDITIONS.has(condition.type) ? kubeletFinding(condition) : problemFinding(ctx, condition);
    if (finding === null) healthy.push(condition.type);
    else findings.push(finding);
  }
  if (healthy.length > 0)
    findings.push({ result: 'pass', text: `${listText(healthy)} ${healthy.length === 1 ? 'is' : 'are'} False` });
  return combine(name, findings, 'No node conditions besides Ready.');
}

function describe(condition: NodeConditionView): string {
  const since = condition.lastTransitionTime ? ` since ${condition.lastTransitionTime}` : '';
  const detail = [condition.reason, condition.message].filter((part) => part).join(': ');
  return `${condition.type}=${condition.status}${since}${detail ? ` (${detail})` : ''}`;
}

function kubeletFinding(condition: NodeConditionView): Finding | null {
  if (condition.status === 'False') return null;
  if (condition.status === 'True')
    return { result: 'fail', text: describe(condition), reason: `condition:${condition.type}` };
  return { result: 'unknown', text: describe(condition), reason: `condition_unknown:${condition.type}` };
}

function problemFinding(ctx: CheckContext, condition: NodeConditionView): Finding | null {
  const configured = ctx.config.badConditions.includes(condition.type);
  const at = reportedAt(condition);
  const after = ctx.reportsAfter;
  const stale = after !== null && at !== null && at <= after;
  const undated = after !== null && at === null;
  const when = at === null ? 'without a report time' : `last reported at ${formatTime(at)}`;
  const reference = referenceText(ctx);

  if (condition.status === 'True') {
    if (!stale) return { result: 'fail', text: describe(condition), reason: `condition:${condition.type}` };
    if (!configured) return { result: 'pass', text: `${condition.type}=True is ignored: ${when}, before ${reference}` };
    return {
      result: 'unknown',
      text: `${condition.type}=True was ${when}, before ${reference}; it needs a fresh report`,
      reason: `condition_stale:${condition.type}`,
    };
  }
  if (!configured)
    return condition.status === 'False' ? null : { result: 'pass', text: `${describe(condition)} is ignored` };

  const detector = problemDetectorPod(ctx.pods);
  if (condition.status === 'False' && detector !== null && detector.ready !== 'True') {
    return {
      result: 'unknown',
      text: `${condition.type}=False, but node-problem-detector pod ${detector.name} is not Ready, so False proves nothing`,
      reason: `condition_stale:${condition.type}`,
    };
  }
  if (condition.status !== 'False') {
    return {
      result: 'unknown',
      text: `${describe(condition)}: its reporter does not know the state`,
      reason: `condition_unknown:${condition.type}`,
    };
  }
  if (!stale && !undated) return initialStatus(ctx, condition);
  return {
    result: 'unknown',
    text:
      `${condition.type}=False was ${when}, before ${reference}: node-problem-detector resets conditions to False ` +
      'when it restarts, so only a later report counts',
    reason: `condition_stale:${condition.type}`,
  };
}

/**
 * Reports a False condition that was written after the node came back and never re-reported (heartbeat equal to the
 * transition). node-problem-detector writes such an initial False when it starts, before its checks have run, and
 * refreshes the heartbeat of every condition periodically (every 5 minutes by default) once it runs.
 */
function initialStatus(ctx: CheckContext, condition: NodeConditionView): Finding | null {
  const heartbeat = toMillis(condition.lastHeartbeatTime);
  const transition = toMillis(condition.lastTransitionTime);
  if (ctx.reportsAfter === null || heartbeat === null || heartbeat !== transition || transition <= ctx.reportsAfter) {
    return null;
  }
  return {
    result: 'unknown',
    text:
      `${condition.type}=False was written at ${formatTime(transition)} and not re-reported since, which is how ` +
      'node-problem-detector starts before its checks have run',
    reason: `condition_unconfirmed:${condition.type}`,
  };
}

function referenceText(ctx: CheckContext): string {
  if (ctx.cameUpAt !== null) return `the node came back at ${formatTime(ctx.cameUpAt)}`;
  if (ctx.maintenanceStartedAt !== null) return `the maintenance started at ${formatTime(ctx.maintenanceStartedAt)}`;
  return 'the maintenance';
}

function problemDetectorPod(pods: PodView[] | null): PodView | null {
  const name = 'node-problem-detector';
  return (
    pods?.find(
      (pod) =>
        pod.labels.app === name || pod.labels['app.kubernetes.io/name'] === name || pod.name.startsWith(`${name}-`),
    ) ?? null
  );
}
