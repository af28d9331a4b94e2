import type { NodeTaint } from '../../k8s/views.js';
import { check, combine, formatTaint, type Finding } from './format.js';
import { CORDON_TAINT, DEDICATED_TAINTS, LIFECYCLE_TAINTS, taintOwner } from './owners.js';
import type { CheckContext, ValidationCheck } from './types.js';

/**
 * - `cordon`: the taint that mirrors `spec.unschedulable`.
 * - `maintenance`: a taint listed in `validation.maintenanceTaints`.
 * - `lifecycle`: not-ready, unreachable, pressure and similar taints of the node lifecycle controller.
 * - `foreign`: a taint of a known other controller.
 * - `unowned`: a NoSchedule or NoExecute taint that no known controller places and the node did not have before.
 * - `dedicated`, `preexisting`, `soft`: taints that do not block a return.
 */
export type TaintKind =
  'cordon' | 'maintenance' | 'lifecycle' | 'foreign' | 'unowned' | 'dedicated' | 'preexisting' | 'soft';

export interface ClassifiedTaint {
  taint: NodeTaint;
  kind: TaintKind;
  owner: string | null;
  /** Whether the taint keeps pods without a toleration off the node. */
  blocking: boolean;
}

const HARD_EFFECTS = new Set(['NoSchedule', 'NoExecute']);

/** Sorts a taint into a {@link TaintKind}. */
export function classifyTaint(taint: NodeTaint, ctx: CheckContext): ClassifiedTaint {
  const hard = HARD_EFFECTS.has(taint.effect);
  const make = (kind: TaintKind, blocking: boolean, owner: string | null = null): ClassifiedTaint => ({
    taint,
    kind,
    owner,
    blocking,
  });
  if (taint.key === CORDON_TAINT) return make('cordon', true);
  if (ctx.config.maintenanceTaints.includes(taint.key)) return make('maintenance', true);
  if (LIFECYCLE_TAINTS.has(taint.key)) return make('lifecycle', true);
  const owner = taintOwner(taint.key);
  if (owner !== null) return make('foreign', hard, owner);
  if (!hard) return make('soft', false);
  if (DEDICATED_TAINTS.has(taint.key)) return make('dedicated', false);
  const before = ctx.before?.taints ?? [];
  if (before.some((old) => old.key === taint.key && old.effect === taint.effect)) return make('preexisting', false);
  return make('unowned', true);
}

function finding(classified: ClassifiedTaint, ctx: CheckContext): Finding | null {
  const text = formatTaint(classified.taint);
  const reason = `untolerated_taint:${classified.taint.key}`;
  switch (classified.kind) {
    case 'cordon':
      if (ctx.unschedulable === true) return null;
      return { result: 'fail', text: `${text} is still set although spec.unschedulable is not`, reason };
    case 'maintenance':
      return {
        result: 'fail',
        text: `${text} is a maintenance taint that is still set`,
        reason: `maintenance_taint:${classified.taint.key}`,
      };
    case 'lifecycle':
      return { result: 'fail', text: `${text} is set by the node lifecycle controller`, reason };
    case 'foreign':
      if (!classified.blocking)
        return { result: 'pass', text: `${text} from ${classified.owner} does not block scheduling` };
      return { result: 'fail', text: `${text} is held by ${classified.owner}`, reason };
    case 'unowned':
      return { result: 'fail', text: `${text} was not on the node before and no known controller owns it`, reason };
    case 'dedicated':
      return { result: 'pass', text: `${text} dedicates the node to a workload class` };
    case 'preexisting':
      return { result: 'pass', text: `${text} was on the node before the maintenance` };
    case 'soft':
      return { result: 'pass', text: `${text} only prefers other nodes` };
  }
}

/** Checks for leftover maintenance, lifecycle, foreign and unowned NoSchedule or NoExecute taints. */
export function checkTaints(ctx: CheckContext): ValidationCheck {
  const name = 'taints';
  if (ctx.taints === null) return check(name, 'unknown', 'The object does not show spec.taints.', ['taints_unknown']);
  const findings = ctx.taints
    .map((taint) => finding(classifyTaint(taint, ctx), ctx))
    .filter((item): item is Finding => item !== null);
  return combine(
    name,
    findings,
    ctx.taints.length === 0 ? 'No taints.' : 'Only the cordon taint, which the schedulable check judges.',
  );
}
