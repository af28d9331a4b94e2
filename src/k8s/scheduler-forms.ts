import { readQuotaError } from './scheduler-quota.js';
import type { MessageForm, PreemptionReading, SchedulingReason } from './scheduler-message.js';
import { classifyReason, type ReasonSource } from './scheduler-reasons.js';
import {
  indexOfTopLevel,
  splitCountedList,
  splitReasonList,
  splitSentences,
  splitTopLevel,
  trimJoiners,
} from './scheduler-text.js';

/** Reading of a message body, before the frame's facts are added. */
export interface BodyReading {
  totalNodes: number | null;
  reasons: SchedulingReason[];
  preemption: PreemptionReading | null;
  component: string;
  form: MessageForm;
  notes: string[];
}

/** Builds a reason with its fields in the order the JSON output shows them. */
export function buildReason(meaning: ReturnType<typeof classifyReason>, nodes: number | null, text: string): SchedulingReason {
  const { category, resource, taint, ...details } = meaning;
  return {
    category,
    nodes,
    ...(resource === undefined ? {} : { resource }),
    ...(taint === undefined ? {} : { taint }),
    text,
    ...details,
  };
}

function reason(text: string, nodes: number | null, source: ReasonSource): SchedulingReason {
  return buildReason(classifyReason(text, source), nodes, text);
}

const NODES_AVAILABLE = /^(\d+)\/(\d+) nodes? (?:are|is) (available|unavailable)(?::\s*|\s*\.?\s*$)/i;
const NODES_AVAILABLE_ANYWHERE = /\b\d+\/\d+ nodes? (?:are|is) (?:available|unavailable):/i;

/** Reads a reason list that is either counted ("3 node(s) ..., 1 Insufficient cpu") or one uncounted reason. */
function readReasonList(text: string, source: ReasonSource): SchedulingReason[] {
  const list = trimJoiners(text);
  if (list.length === 0) return [];
  if (!/^\d+\s+\S/.test(list)) return [reason(list, null, source)];
  return splitCountedList(list).map((item) => reason(item.text, Number.isNaN(item.count) ? null : item.count, source));
}

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

function readAutoscaler(match: RegExpExecArray, text: string): BodyReading {
  const list = trimJoiners(text.slice(match[0].length));
  const reasons = /^\d+\s+\S/.test(list)
    ? readReasonList(list, 'autoscaler')
    : splitReasonList(list).map((item) => reason(item, null, 'autoscaler'));
  return { totalNodes: null, reasons, preemption: null, component: 'cluster-autoscaler', form: 'autoscaler', notes: match[1] ? [match[1]] : [] };
}

/**
 * Reads cluster-autoscaler's simulation log: "Pod P can't be scheduled on GROUP, predicate checking
 * error: E; predicateName=N; reasons: R1, R2; debugInfo=D".
 */
function readAutoscalerSimulation(match: RegExpExecArray): BodyReading {
  const fields = splitTopLevel(match[3]!, /;\s*/g);
  const predicate = fields.map((field) => /^predicateName=(.*)$/.exec(field)?.[1]).find((value) => value);
  const listed = fields.map((field) => /^reasons:\s*([\s\S]*)$/.exec(field)?.[1]).find((value) => value);
  const texts = splitReasonList(listed ?? fields[0] ?? '');
  const reasons = texts.map((text) => {
    const read = reason(text, null, 'scheduler');
    return predicate && read.plugin === undefined ? { ...read, plugin: predicate } : read;
  });
  return {
    totalNodes: null,
    reasons,
    preemption: null,
    component: 'cluster-autoscaler',
    form: 'autoscaler-simulation',
    notes: [`simulated on node group ${match[2]}`],
  };
}

const KUEUE_POD_SET = /^couldn't assign flavors to pod set ([^:]+):\s*/i;

/**
 * Reads Kueue's "couldn't assign flavors to pod set S: R1, R2", one segment per pod set joined by
 * "; ". Reasons are joined with ", " and some contain ", " themselves ("in flavor f, 8 more needed"),
 * so a piece that starts with a quantity or "request >" continues the previous reason.
 */
function readKueue(_match: RegExpExecArray, text: string): BodyReading {
  const result: BodyReading = { totalNodes: null, reasons: [], preemption: null, component: 'kueue', form: 'kueue', notes: [] };
  for (const segment of splitTopLevel(text, /;\s+(?=couldn't assign flavors to pod set )/gi)) {
    const header = KUEUE_POD_SET.exec(segment);
    const podSet = header?.[1]?.trim();
    const [list = '', ...notes] = splitSentences(header ? segment.slice(header[0].length) : segment);
    for (const item of splitTopLevel(list, /,\s+(?!\S+ more needed|request >)/g)) {
      const read = reason(trimJoiners(item), null, 'kueue');
      const flavor = /\bin flavor ([^\s,]+)/.exec(item)?.[1] ?? /^flavor (\S+)/.exec(item)?.[1];
      result.reasons.push({ ...read, ...(flavor ? { flavor } : {}), ...(podSet ? { podSet } : {}) });
    }
    if (podSet) result.notes.push(`pod set ${podSet}`);
    result.notes.push(...notes);
  }
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

/**
 * Reads Karpenter's "Failed to schedule pod, incompatible with nodepool "P", daemonset overhead={...},
 * REASON; incompatible with nodepool ..." into one uncounted reason per NodePool.
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

function readQuota(_match: RegExpExecArray, text: string): BodyReading {
  return { totalNodes: null, reasons: readQuotaError(text), preemption: null, component: 'ResourceQuota admission', form: 'resource-quota', notes: [] };
}

interface Form {
  pattern: RegExp;
  read(match: RegExpExecArray, text: string): BodyReading;
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
  { pattern: /^pod didn't trigger scale-up(?:\s*\(([^)]*)\))?\s*:?\s*/i, read: readAutoscaler },
  { pattern: /^Pod (\S+) can't be scheduled on (\S+), predicate checking error:\s*([\s\S]*)$/i, read: (match) => readAutoscalerSimulation(match) },
  { pattern: /^pod triggered scale-up\b/i, read: readScaleUp },
  { pattern: /^Pod should schedule on:/i, read: (match, text) => ({ ...readScaleUp(match, text), component: 'karpenter' }) },
  { pattern: /^Failed to schedule pod,\s*(?=incompatible with|all available instance types)/i, read: readKarpenter },
  { pattern: KUEUE_POD_SET, read: readKueue },
  { pattern: /^(\d+)\/(\d+) tasks in gang unschedulable:\s*/i, read: readGang },
  { pattern: /^(?:exceeded quota|failed quota|status unknown for quota|insufficient quota)\b/i, read: readQuota },
];

/** Reads a message body (its frame already removed) with the first grammar whose opening matches. */
export function readMessageBody(text: string, source: ReasonSource | null): BodyReading {
  for (const form of FORMS) {
    const match = form.pattern.exec(text);
    if (match) return form.read(match, text);
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
