import { AUTOSCALER_FORMS } from './scheduler-autoscaler.js';
import { readReasonList, reason, type BodyReading, type Form } from './scheduler-body.js';
import { KUEUE_FORMS } from './scheduler-kueue.js';
import type { PreemptionReading, SchedulingReason } from './scheduler-message.js';
import { readQuotaError } from './scheduler-quota.js';
import type { ReasonSource } from './scheduler-reasons.js';
import { indexOfTopLevel, splitReasonList, splitSentences, splitTopLevel, trimJoiners } from './scheduler-text.js';

const NODES_AVAILABLE = /^(\d+)\/(\d+) nodes? (?:are|is) (available|unavailable)(?::\s*|\s*\.?\s*$)/i;
const NODES_AVAILABLE_ANYWHERE = /\b\d+\/\d+ nodes? (?:are|is) (?:available|unavailable):/i;

/**
 * Reads the PostFilter part after "preemption: ". Its list counts the nodes where preemption would
 * not help and the nodes with no victims. Other entries are reasons the dry run still hit.
 */
function readPreemption(text: string, mainTotal: number): PreemptionReading {
  const preemption: PreemptionReading = {
    totalNodes: mainTotal,
    notHelpfulNodes: 0,
    noVictimsNodes: 0,
    eligible: !/not eligible/i.test(text),
    reasons: [],
    text: trimJoiners(text),
  };
  const header = NODES_AVAILABLE.exec(text);
  if (!header) return preemption;
  preemption.totalNodes = Number(header[2]);
  for (const item of readReasonList(text.slice(header[0].length), 'scheduler')) {
    if (/preemption is not helpful/i.test(item.text)) preemption.notHelpfulNodes += item.nodes ?? 0;
    else if (/no preemption victims/i.test(item.text)) preemption.noVictimsNodes += item.nodes ?? 0;
    else if (/not eligible/i.test(item.text)) preemption.eligible = false;
    else preemption.reasons.push(item);
  }
  return preemption;
}

const PREEMPTION_MARK = /(?:^|,\s*|\s)preemption:\s*/i;

/**
 * Reads the body after "0/N nodes are available: ": a PreFilter message or counted Filter reasons,
 * then optional PostFilter notes and "preemption: 0/N nodes are available: <counts>." (kube-scheduler
 * since 1.9; Volcano prints "nodes are unavailable"). Sentences after the reasons that are not the
 * preemption part, such as DRA's "no new claims to deallocate" or a forked scheduler's suffix, become notes.
 */
function readNodesAvailableBody(total: number | null, body: string, volcano: boolean): BodyReading {
  const source: ReasonSource = volcano ? 'volcano' : 'scheduler';
  const result: BodyReading = {
    totalNodes: total,
    reasons: [],
    preemption: null,
    component: volcano ? 'volcano' : 'kube-scheduler',
    form: 'nodes-available',
    notes: [],
  };
  splitSentences(body).forEach((sentence, index) => {
    const mark = result.preemption === null ? indexOfTopLevel(sentence, PREEMPTION_MARK) : null;
    const reasonsText = trimJoiners(mark ? sentence.slice(0, mark.index) : sentence);
    if (index === 0) result.reasons = readReasonList(reasonsText, source);
    else if (reasonsText.length > 0) result.notes.push(reasonsText);
    if (mark) result.preemption = readPreemption(sentence.slice(mark.index + mark.length), total ?? 0);
  });
  return result;
}

function readNodesAvailable(match: RegExpExecArray, text: string): BodyReading {
  return readNodesAvailableBody(Number(match[2]), text.slice(match[0].length), match[3]!.toLowerCase() === 'unavailable');
}

/** Splits the pre-1.9 list "Insufficient cpu (9), MatchNodeSelector (18)" into reasons with bracket counts. */
function readBracketList(text: string, source: ReasonSource): SchedulingReason[] {
  const items: string[] = [];
  let pending = '';
  for (const piece of splitTopLevel(trimJoiners(text), /,\s+/g)) {
    pending = pending ? `${pending}, ${piece}` : piece;
    if (/\(\d+\)$/.test(pending)) {
      items.push(pending);
      pending = '';
    }
  }
  if (pending) items.push(pending);
  return items.map((item) => {
    const counted = /^([\s\S]*?)\s*\((\d+)\)$/.exec(item);
    return counted ? reason(trimJoiners(counted[1]!), Number(counted[2]), source) : reason(item, null, source);
  });
}

/** Reads kube-scheduler 1.6 to 1.8: "No nodes are available that match all of the (following) predicates:: ...". */
function readLegacyPredicates(match: RegExpExecArray, text: string): BodyReading {
  return {
    totalNodes: null,
    reasons: readBracketList(text.slice(match[0].length), 'scheduler'),
    preemption: null,
    component: 'kube-scheduler',
    form: 'legacy-predicates',
    notes: [],
  };
}

/**
 * Reads kube-scheduler 1.3 to 1.5: "pod (x) failed to fit in any node" followed by one "fit failure
 * on node (N): R1, R2" line per node, or by one "fit failure summary on nodes : R (count), ..." line.
 * Per-node lines are counted into one reason per distinct failure.
 */
function readLegacyFitFailure(match: RegExpExecArray, text: string): BodyReading {
  const result: BodyReading = {
    totalNodes: null,
    reasons: [],
    preemption: null,
    component: 'kube-scheduler',
    form: 'legacy-fit-failure',
    notes: [],
  };
  const perNode = new Map<string, SchedulingReason>();
  for (const line of splitTopLevel(text.slice(match[0].length), /\s*(?=fit failure\b)/g)) {
    const summary = /^fit failure summary on nodes\s*:\s*([\s\S]*)$/i.exec(line);
    const node = /^fit failure on node \(([^)]*)\)\s*:\s*([\s\S]*)$/i.exec(line);
    if (summary) result.reasons.push(...readBracketList(summary[1]!, 'scheduler'));
    else if (node) {
      for (const text of splitReasonList(node[2]!)) {
        const read = reason(text, 1, 'scheduler');
        const key = `${read.category}|${read.resource ?? ''}|${read.taint?.key ?? ''}|${read.resource || read.taint ? '' : text}`;
        const seen = perNode.get(key);
        if (seen) seen.nodes = (seen.nodes ?? 0) + 1;
        else perNode.set(key, read);
      }
    } else result.notes.push(trimJoiners(line));
  }
  result.reasons.push(...perNode.values());
  return result;
}

/**
 * Reads Volcano's "P/T tasks in gang unschedulable: <job fit error>". The gang is one reason; a node
 * summary the fit error embeds ("0/N nodes are unavailable: ...") adds its own counted reasons.
 */
function readGang(match: RegExpExecArray, text: string): BodyReading {
  const result: BodyReading = {
    totalNodes: null,
    reasons: [reason(trimJoiners(text), null, 'volcano')],
    preemption: null,
    component: 'volcano',
    form: 'gang',
    notes: [],
  };
  const rest = text.slice(match[0].length);
  const embedded = indexOfTopLevel(rest, NODES_AVAILABLE_ANYWHERE);
  if (embedded) {
    const inner = rest.slice(embedded.index);
    const nodes = readNodesAvailable(NODES_AVAILABLE.exec(inner)!, inner);
    result.reasons[0]!.text = trimJoiners(text.slice(0, match[0].length + embedded.index));
    result.totalNodes = nodes.totalNodes;
    result.reasons.push(...nodes.reasons);
    result.notes.push(...nodes.notes);
  }
  return result;
}

function readQuota(_match: RegExpExecArray, text: string): BodyReading {
  return { totalNodes: null, reasons: readQuotaError(text), preemption: null, component: 'ResourceQuota admission', form: 'resource-quota', notes: [] };
}

/**
 * Reads kube-scheduler 1.0: "failed to find fit for pod: <Go dump of the pod>Node A: P1Node B: P2",
 * where the failed predicate of each node follows the dump with no separator. Nodes are counted per
 * predicate.
 */
function readFindFit(match: RegExpExecArray, text: string): BodyReading {
  const counts = new Map<string, number>();
  for (const node of text.slice(match[0].length).matchAll(/Node (\S+?): ([A-Za-z]+?)(?=Node \S+?:|[\s,.;]|$)/g)) {
    counts.set(node[2]!, (counts.get(node[2]!) ?? 0) + 1);
  }
  const reasons = [...counts].map(([predicate, nodes]) => reason(predicate, nodes, 'scheduler'));
  return { totalNodes: null, reasons, preemption: null, component: 'kube-scheduler', form: 'legacy-fit-failure', notes: [] };
}

const FORMS: Form[] = [
  { pattern: NODES_AVAILABLE, read: readNodesAvailable },
  {
    pattern: /^all nodes are unavailable:\s*/i,
    read: (match, text) => readNodesAvailableBody(null, text.slice(match[0].length), true),
  },
  { pattern: /^No nodes are available that match all of the (?:following )?predicates\s*:+\s*/i, read: readLegacyPredicates },
  { pattern: /^pod \([^)]*\) failed to fit in any node\s*/i, read: readLegacyFitFailure },
  { pattern: /^(?=fit failure (?:summary )?on nodes?\b)/i, read: readLegacyFitFailure },
  { pattern: /^(?:Error scheduling:\s*)?failed to find fit for pod:?\s*/i, read: readFindFit },
  ...AUTOSCALER_FORMS,
  ...KUEUE_FORMS,
  { pattern: /^(\d+)\/(\d+) tasks in gang unschedulable:\s*/i, read: readGang },
  // Volcano 1.8 and later print the gang state without the task counts.
  { pattern: /^pod group is (?:not )?ready\b/i, read: readGang },
  { pattern: /^(?:exceeded quota|failed quota|status unknown for quota|insufficient quota)\b/i, read: readQuota },
];

/**
 * Keeps the text as one reason where a grammar read no reason from it (a 1.3 "failed to fit in any
 * node" pasted without its per-node lines), because a pending pod must never read as having no cause.
 * Only messages that report progress (a scale-up under way) have no reason.
 */
function withSomeReason(body: BodyReading, text: string, source: ReasonSource | null): BodyReading {
  const single = trimJoiners(text);
  if (body.reasons.length > 0 || body.form === 'scale-up' || single.length === 0) return body;
  return { ...body, reasons: [reason(single, null, source ?? 'scheduler')] };
}

/** Reads a message body (its frame already removed) with the first grammar whose opening matches. */
export function readMessageBody(text: string, source: ReasonSource | null): BodyReading {
  for (const form of FORMS) {
    const match = form.pattern.exec(text);
    if (match) return withSomeReason(form.read(match, text), text, source);
  }
  const embedded = indexOfTopLevel(text, NODES_AVAILABLE_ANYWHERE);
  if (embedded && embedded.index > 0) {
    const inner = text.slice(embedded.index);
    const nodes = readNodesAvailable(NODES_AVAILABLE.exec(inner)!, inner);
    return { ...nodes, notes: [trimJoiners(text.slice(0, embedded.index)), ...nodes.notes] };
  }
  const single = trimJoiners(text);
  return {
    totalNodes: null,
    reasons: single.length > 0 ? [reason(single, null, source ?? 'scheduler')] : [],
    preemption: null,
    component: source === 'quota' ? 'kube-apiserver admission' : 'unknown',
    form: 'single',
    notes: [],
  };
}
