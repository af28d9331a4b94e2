import { check } from './format.js';
import type { CheckContext, ValidationCheck } from './types.js';

/**
 * Checks that the node is not cordoned. A cordon from before the maintenance belongs to someone else and is also a
 * hold.
 */
export function checkSchedulable(ctx: CheckContext): ValidationCheck {
  const name = 'schedulable';
  if (ctx.unschedulable === null) return check(name, 'unknown', unknownEvidence(ctx), ['schedulable_unknown']);
  if (!ctx.unschedulable) return check(name, 'pass', 'Not cordoned.');
  const owner = cordonOwnerText(ctx);
  const earlier = ctx.before?.unschedulable === true ? ' It was already cordoned before the maintenance.' : '';
  return check(name, 'fail', `spec.unschedulable is true: the node is cordoned${owner}.${earlier}`, ['cordoned']);
}

/** Says what the object leaves out, so the reader knows what to add to prove the node is not cordoned. */
function unknownEvidence(ctx: CheckContext): string {
  if (ctx.node.unschedulable === null) return 'The object does not show spec, so spec.unschedulable is unknown.';
  // An API server omits spec.unschedulable when false, so only a full object proves "not cordoned" by leaving it out.
  return 'The excerpt (no metadata.creationTimestamp) leaves out spec.unschedulable, so it does not prove the node is uncordoned.';
}

/** Names who cordoned the node, from a `<prefix>cordon-by` label as NVSentinel sets it. */
function cordonOwnerText(ctx: CheckContext): string {
  const labels = ctx.node.labels;
  const byKey = Object.keys(labels).find((key) => key.endsWith('/cordon-by'));
  if (byKey === undefined) return '';
  const reason = labels[byKey.replace(/cordon-by$/, 'cordon-reason')];
  return ` by ${labels[byKey]}${reason ? ` (${reason})` : ''}`;
}
