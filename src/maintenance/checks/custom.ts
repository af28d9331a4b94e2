import type { CustomCheck } from '../../config/schema.js';
import { findCondition, reportedAt } from './context.js';
import { check, formatTime, quantity } from './format.js';
import type { CheckContext, ValidationCheck } from './types.js';

/** Runs the operator's checks from `validation.custom`; each fails with the reason `custom:<name>`. */
export function checkCustom(ctx: CheckContext): ValidationCheck[] {
  return ctx.config.custom.map((custom) => runCustom(ctx, custom));
}

function runCustom(ctx: CheckContext, custom: CustomCheck): ValidationCheck {
  switch (custom.type) {
    case 'label':
      return labelCheck(ctx, custom);
    case 'condition':
      return conditionCheck(ctx, custom);
    case 'allocatable':
      return allocatableCheck(ctx, custom);
  }
}

function labelCheck(ctx: CheckContext, custom: Extract<CustomCheck, { type: 'label' }>): ValidationCheck {
  const reason = [`custom:${custom.name}`];
  const value = ctx.node.labels[custom.label];
  if (value === custom.value) return check(custom.name, 'pass', `Label ${custom.label}=${value}.`);
  if (value === undefined) {
    if (ctx.excerpt) return check(custom.name, 'unknown', `The excerpt does not show label ${custom.label}.`, reason);
    return check(custom.name, 'fail', `Label ${custom.label} is missing; expected ${custom.value}.`, reason);
  }
  return check(custom.name, 'fail', `Label ${custom.label}=${value}; expected ${custom.value}.`, reason);
}

/** The condition must have the status, reported after the node came back like every other condition. */
function conditionCheck(ctx: CheckContext, custom: Extract<CustomCheck, { type: 'condition' }>): ValidationCheck {
  const reason = [`custom:${custom.name}`];
  if (ctx.node.conditions === null)
    return check(custom.name, 'unknown', 'The object does not show status.conditions.', reason);
  const condition = findCondition(ctx.node, custom.condition);
  if (condition === null) {
    if (ctx.excerpt)
      return check(custom.name, 'unknown', `The excerpt does not show condition ${custom.condition}.`, reason);
    const result = custom.status === 'True' ? 'fail' : 'unknown';
    return check(
      custom.name,
      result,
      `Condition ${custom.condition} is not reported; expected ${custom.status}.`,
      reason,
    );
  }
  const at = reportedAt(condition);
  if (ctx.reportsAfter !== null && at !== null && at <= ctx.reportsAfter) {
    const text = `${custom.condition}=${condition.status} was last reported at ${formatTime(at)}, before the node came back.`;
    return check(custom.name, 'unknown', text, reason);
  }
  if (condition.status === custom.status) return check(custom.name, 'pass', `${custom.condition}=${condition.status}.`);
  const detail = condition.reason ? ` (${condition.reason})` : '';
  return check(
    custom.name,
    'fail',
    `${custom.condition}=${condition.status}${detail}; expected ${custom.status}.`,
    reason,
  );
}

/** Allocatable must reach `min`, or without `min` the snapshot's allocatable, or else at least 1. */
function allocatableCheck(ctx: CheckContext, custom: Extract<CustomCheck, { type: 'allocatable' }>): ValidationCheck {
  const reason = [`custom:${custom.name}`];
  if (ctx.node.allocatable === null)
    return check(custom.name, 'unknown', 'The object does not show status.allocatable.', reason);
  const baseline =
    ctx.before?.gpu[custom.resource]?.allocatable ?? ctx.before?.rdma[custom.resource]?.allocatable ?? null;
  const min = custom.min ?? baseline ?? 1;
  let source = 'the default minimum';
  if (custom.min !== undefined) source = 'the configured minimum';
  else if (baseline !== null) source = 'the value before the maintenance';
  const value = quantity(ctx.node.allocatable, custom.resource);
  if (value === null)
    return check(
      custom.name,
      'fail',
      `${custom.resource} is missing from allocatable; expected at least ${min}.`,
      reason,
    );
  const text = `${custom.resource} allocatable ${value}; ${source} is ${min}.`;
  return check(custom.name, value >= min ? 'pass' : 'fail', text, reason);
}
