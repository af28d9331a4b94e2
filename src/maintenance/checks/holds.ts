import { check, combine, formatTaint, type Finding } from './format.js';
import { annotationOwner, labelOwner } from './owners.js';
import { classifyTaint } from './taints.js';
import type { CheckContext, ValidationCheck } from './types.js';

/** GPU operator driver-upgrade label; the gpu-operator check judges it, the hold list shows it. */
export const DRIVER_UPGRADE_LABEL = 'nvidia.com/gpu-driver-upgrade-state';

interface Hold {
  text: string;
  /** Label or annotation key, for the `hold:<key>` reason; absent for taints, which the taints check reports. */
  key?: string;
}

/** CoreWeave's lifecycle condition, listed as a hold and never acted on because CoreWeave documents it as internal. */
const COREWEAVE_PHASE = 'PhaseState';

function collectHolds(ctx: CheckContext): Hold[] {
  const holds: Hold[] = [];
  for (const taint of ctx.node.taints ?? []) {
    const classified = classifyTaint(taint, ctx);
    if (classified.kind === 'foreign') holds.push({ text: `${classified.owner}: taint ${formatTaint(taint)}` });
    if (classified.kind === 'unowned') holds.push({ text: `unknown owner: taint ${formatTaint(taint)}` });
  }
  if (ctx.unschedulable === true && ctx.before?.unschedulable === true) {
    holds.push({ text: 'cordoned before the maintenance started: the cordon belongs to whoever set it' });
  }
  for (const [key, value] of Object.entries(ctx.node.labels)) {
    if (key === DRIVER_UPGRADE_LABEL && value !== 'upgrade-done') {
      holds.push({ text: `GPU operator: driver upgrade state ${value}` });
      continue;
    }
    const owner = labelOwner(key, value);
    if (owner !== null) holds.push({ text: `${owner}: label ${key}=${value}`, key });
  }
  for (const [key, value] of Object.entries(ctx.node.annotations)) {
    const owner = annotationOwner(key);
    if (owner !== null) holds.push({ text: `${owner}: annotation ${key}${value ? `=${shorten(value)}` : ''}`, key });
  }
  const phase = ctx.node.conditions?.find((condition) => condition.type === COREWEAVE_PHASE);
  if (phase && phase.status === 'True') {
    holds.push({ text: `CoreWeave: condition ${COREWEAVE_PHASE} ${phase.reason ?? phase.message ?? 'True'}` });
  }
  return holds;
}

function shorten(value: string): string {
  return value.length > 60 ? `${value.slice(0, 57)}...` : value;
}

/** Holds by other controllers and people, as `owner: what`. */
export function listHolds(ctx: CheckContext): string[] {
  return collectHolds(ctx).map((hold) => hold.text);
}

/**
 * Checks for label and annotation holds of other controllers. Taint holds fail the taints check instead, and the driver
 * upgrade state fails the gpu-operator check. An excerpt without marks gets no check, because it cannot prove
 * there are none.
 */
export function checkHolds(ctx: CheckContext): ValidationCheck | null {
  const name = 'holds';
  const findings: Finding[] = collectHolds(ctx)
    .filter((hold) => hold.key !== undefined)
    .map((hold) => ({ result: 'fail', text: hold.text, reason: `hold:${hold.key}` }));
  if (findings.length === 0) {
    return ctx.excerpt ? null : check(name, 'pass', 'No hold marks of other controllers in labels or annotations.');
  }
  return combine(name, findings, '');
}
