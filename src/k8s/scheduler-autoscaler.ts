import { buildReason, readReasonList, reason, type BodyReading, type Form } from './scheduler-body.js';
import type { SchedulingReason } from './scheduler-message.js';
import { classifyReason } from './scheduler-reasons.js';
import { splitReasonList, splitTopLevel, trimJoiners } from './scheduler-text.js';

/**
 * Reads "pod didn't trigger scale-up (NOTE): R1, R2". A message with the note and no list, as
 * cluster-autoscaler 1.3 to 1.12 printed it, reads the note as its one reason.
 */
function readAutoscaler(match: RegExpExecArray, text: string): BodyReading {
  const list = trimJoiners(text.slice(match[0].length));
  const note = match[1]?.trim();
  let reasons = /^\d+\s+\S/.test(list)
    ? readReasonList(list, 'autoscaler')
    : splitReasonList(list).map((item) => reason(item, null, 'autoscaler'));
  if (reasons.length === 0 && note) reasons = [reason(note, null, 'autoscaler')];
  return { totalNodes: null, reasons, preemption: null, component: 'cluster-autoscaler', form: 'autoscaler', notes: note ? [note] : [] };
}

function withPredicate(reasons: SchedulingReason[], predicate: string | undefined): SchedulingReason[] {
  return reasons.map((read) => (predicate && read.plugin === undefined ? { ...read, plugin: predicate } : read));
}

/**
 * Reads the checking error of cluster-autoscaler's simulation log since 1.18: "E; predicateName=N;
 * reasons: R1, R2; debugInfo=D".
 */
function readCheckingError(detail: string): SchedulingReason[] {
  const fields = splitTopLevel(detail, /;\s*/g);
  const predicate = fields.map((field) => /^predicateName=(.*)$/.exec(field)?.[1]).find((value) => value);
  const listed = fields.map((field) => /^reasons:\s*([\s\S]*)$/.exec(field)?.[1]).find((value) => value);
  const texts = splitReasonList(listed ?? fields[0] ?? '');
  return withPredicate(texts.map((text) => reason(text, null, 'scheduler')), predicate);
}

/**
 * Reads the failure of cluster-autoscaler 1.2 to 1.17: "N predicate mismatch, [cannot put P on T, ]
 * reason: R1, R2[, taints on node: ...]". The Go dump of the node's taints stays in the last reason,
 * where the taint reader finds the taint.
 */
function readPredicateFailure(detail: string): SchedulingReason[] {
  const predicate = /^(\S+) predicate mismatch\b/.exec(detail)?.[1];
  const listed = /\breasons?:\s*([\s\S]*)$/.exec(detail)?.[1];
  const [reasons = '', taints] = (listed ?? detail).split(/,\s*taints on node:\s*/);
  const read = splitReasonList(reasons).map((text) => reason(text, null, 'scheduler'));
  if (taints && read.length > 0) {
    const last = read[read.length - 1]!;
    const taint = classifyReason(`${last.text} ${taints}`).taint;
    if (taint && last.category === 'untolerated_taint') read[read.length - 1] = { ...last, taint };
  }
  return withPredicate(read, predicate);
}

/**
 * Reads cluster-autoscaler's simulation log: "Pod P can't be scheduled on GROUP, predicate checking
 * error: DETAIL" (1.18 and later) or "..., predicate failed: DETAIL" (1.2 to 1.17).
 */
function readAutoscalerSimulation(match: RegExpExecArray): BodyReading {
  const reasons = match[3]!.toLowerCase() === 'failed' ? readPredicateFailure(match[4]!) : readCheckingError(match[4]!);
  return {
    totalNodes: null,
    reasons,
    preemption: null,
    component: 'cluster-autoscaler',
    form: 'autoscaler-simulation',
    notes: [`simulated on node group ${match[2]}`],
  };
}

/**
 * Reads Karpenter's "Failed to schedule pod, incompatible with nodepool "P", daemonset overhead={...},
 * REASON; incompatible with nodepool ..." into one uncounted reason per NodePool. The controller logs
 * the same list as "Could not schedule pod, ..." or as a bare error field.
 */
function readKarpenter(match: RegExpExecArray, text: string): BodyReading {
  const reasons = splitTopLevel(text.slice(match[0].length), /;\s+/g).map((entry) => {
    const nodePool = /nodepool "([^"]+)"|NodePool="([^"]+)"/i.exec(entry);
    const detail = entry
      .replace(/^incompatible with (?:nodepool|provisioner)(?: "[^"]*")?,\s*/i, '')
      .replace(/^daemonset overhead=\{[^}]*\},?\s*/i, '');
    const read = buildReason(classifyReason(trimJoiners(detail), 'autoscaler'), null, trimJoiners(entry));
    const name = nodePool?.[1] ?? nodePool?.[2];
    return name ? { ...read, nodePool: name } : read;
  });
  return { totalNodes: null, reasons, preemption: null, component: 'karpenter', form: 'autoscaler', notes: [] };
}

function readScaleUp(_match: RegExpExecArray, text: string): BodyReading {
  return { totalNodes: null, reasons: [], preemption: null, component: 'cluster-autoscaler', form: 'scale-up', notes: [text] };
}

export const AUTOSCALER_FORMS: Form[] = [
  { pattern: /^pod didn't trigger scale-up(?:\s*\(([^)]*)\))?\s*:?\s*/i, read: readAutoscaler },
  {
    pattern: /^Pod (\S+) can't be scheduled on (\S+?),? predicate (checking error|failed):\s*([\s\S]*)$/i,
    read: (match) => readAutoscalerSimulation(match),
  },
  {
    // cluster-autoscaler 1.0 to 1.2 (scale_up.go): "Scale-up predicate failed: P predicate mismatch, cannot put
    // ns/pod on template-node-for-GROUP-<n>, reason: R".
    pattern: /^Scale-up predicate failed:\s*([\s\S]*?\bon template-node-for-(\S+?)(?:-\d+)?,[\s\S]*)$/i,
    read: (match) => ({
      totalNodes: null,
      reasons: readPredicateFailure(match[1]!),
      preemption: null,
      component: 'cluster-autoscaler',
      form: 'autoscaler-simulation',
      notes: [`simulated on node group ${match[2]}`],
    }),
  },
  { pattern: /^pod triggered scale-up\b/i, read: readScaleUp },
  { pattern: /^Pod should schedule on:/i, read: (match, text) => ({ ...readScaleUp(match, text), component: 'karpenter' }) },
  {
    pattern: /^(?:(?:Failed to|Could not) schedule pod,\s*)?(?=incompatible with (?:nodepool|provisioner)\b|all available instance types)/i,
    read: readKarpenter,
  },
];
