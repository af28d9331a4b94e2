import { check, combine, formatDuration, quantity, type Finding } from './format.js';
import { looksLikeRdma, resourceNames } from './resources.js';
import type { CheckContext, ValidationCheck } from './types.js';

/**
 * Configured RDMA resources are back: to the pre-maintenance allocatable when a snapshot has it, else non-zero and
 * equal to capacity. The healthy count is the node's own (a p4d advertises 3 EFA devices for 4 cards), so only the
 * snapshot proves a count right. Resources named like RDMA devices but not configured are `unknown` at 0, because a
 * node without HCAs may register a pool with 0 devices.
 */
export function checkRdma(ctx: CheckContext): ValidationCheck | null {
  const name = 'rdma-allocatable';
  const configured = ctx.config.rdmaResources;
  const baseline = ctx.before?.rdma ?? {};
  const judged = [...new Set([...configured, ...Object.keys(baseline)])].sort();
  const detected = resourceNames(ctx.node, looksLikeRdma).filter((resource) => !judged.includes(resource));
  if (judged.length === 0 && detected.length === 0) return null;
  if (ctx.node.allocatable === null) {
    if (judged.length === 0) return null;
    return check(name, 'unknown', `The object does not show status.allocatable for ${judged.join(', ')}.`, [
      'rdma_unknown',
    ]);
  }
  const findings = judged.map((resource) => judge(ctx, resource));
  // With a snapshot, a resource it lacks was not on the node before, so its count cannot have regressed.
  if (ctx.before === null) findings.push(...detected.map((resource) => unconfigured(ctx, resource)));
  return combine(name, findings, '');
}

function judge(ctx: CheckContext, resource: string): Finding {
  const recorded = ctx.before?.rdma[resource];
  const was = recorded?.allocatable ?? null;
  const allocatable = quantity(ctx.node.allocatable, resource);
  const capacity = quantity(ctx.node.capacity, resource);
  const wasText = was === null ? '' : `, was ${was} before the maintenance`;
  // The snapshot saw the node's resources and this one was not among them: the node has no such devices.
  const absentBefore = recorded !== undefined && recorded.allocatable === null && recorded.capacity === null;
  if (absentBefore && allocatable === null)
    return { result: 'pass', text: `${resource} is absent, as before the maintenance` };
  if (allocatable === null)
    return problem(ctx, `rdma_missing:${resource}`, `${resource} is missing from allocatable${wasText}`);
  if (was !== null) {
    const text = `${resource} allocatable ${allocatable}${wasText}`;
    if (allocatable === 0 && was > 0) return problem(ctx, `rdma_missing:${resource}`, text);
    if (allocatable < was) return problem(ctx, `rdma_short:${resource}`, text);
    return { result: 'pass', text };
  }
  const text = `${resource} allocatable ${allocatable}${capacity === null ? '' : ` of capacity ${capacity}`}`;
  if (allocatable === 0)
    return problem(ctx, `rdma_missing:${resource}`, `${text}, and no snapshot from before the maintenance`);
  if (capacity !== null && allocatable < capacity) return problem(ctx, `rdma_short:${resource}`, text);
  return { result: 'pass', text };
}

function unconfigured(ctx: CheckContext, resource: string): Finding {
  const allocatable = quantity(ctx.node.allocatable, resource);
  if (allocatable !== null && allocatable > 0)
    return { result: 'pass', text: `${resource} allocatable ${allocatable}` };
  return {
    result: 'unknown',
    text:
      `${resource} is registered with ${allocatable ?? 'no'} allocatable devices; it is not in validation.rdmaResources ` +
      'and there is no snapshot from before the maintenance, so 0 may be right for a node without HCAs',
    reason: `rdma_unverified:${resource}`,
  };
}

/** RDMA interfaces come up one by one after a boot, so a shortfall is `unknown` until the node has settled. */
function problem(ctx: CheckContext, reason: string, text: string): Finding {
  if (ctx.settling && ctx.upSince !== null) {
    const age = formatDuration(ctx.now - ctx.upSince);
    return {
      result: 'unknown',
      text: `${text}; the node came up ${age} ago and RDMA devices register late`,
      reason: `settling:${reason}`,
    };
  }
  return { result: 'fail', text, reason };
}
