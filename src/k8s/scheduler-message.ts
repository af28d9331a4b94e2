import { describeReading } from './scheduler-describe.js';
import { unwrapMessage } from './scheduler-frame.js';
import { eventFacts, type SchedulingEventFacts } from './scheduler-event.js';
import { readMessageBody } from './scheduler-forms.js';

/** Category of the reason a node (for the autoscaler, a node group) rejected a pod, or admission held it back. */
export type ReasonCategory =
  | 'insufficient_resource'
  | 'untolerated_taint'
  | 'node_not_ready'
  | 'node_pressure'
  | 'unschedulable'
  | 'node_affinity'
  | 'pod_affinity'
  | 'pod_anti_affinity'
  | 'topology_spread'
  | 'volume_binding'
  | 'volume_node_affinity'
  | 'volume_limits'
  | 'ports'
  | 'too_many_pods'
  | 'quota'
  | 'gang_or_queue'
  | 'autoscaler'
  | 'other';

export const REASON_CATEGORIES: readonly ReasonCategory[] = [
  'insufficient_resource',
  'untolerated_taint',
  'node_not_ready',
  'node_pressure',
  'unschedulable',
  'node_affinity',
  'pod_affinity',
  'pod_anti_affinity',
  'topology_spread',
  'volume_binding',
  'volume_node_affinity',
  'volume_limits',
  'ports',
  'too_many_pods',
  'quota',
  'gang_or_queue',
  'autoscaler',
  'other',
];

/** Usage of one quota as a ResourceQuota admission error prints it, with quantities as printed. */
export interface QuotaUsage {
  name: string;
  requested: Record<string, string>;
  used: Record<string, string>;
  limited: Record<string, string>;
  /** Quota resources (`limits.cpu`, `requests.nvidia.com/gpu`) where used plus requested exceeds the limit. */
  exceeded: string[];
}

/** One reason of a scheduling message. */
export interface SchedulingReason {
  category: ReasonCategory;
  /**
   * The count printed before the reason: nodes for kube-scheduler and Volcano, node groups for
   * cluster-autoscaler, the number in brackets for the pre-1.9 "(N)" form. `null` where the
   * message prints the reason once, without a count.
   */
  nodes: number | null;
  /** For `insufficient_resource` and `quota`: the resource name without a `requests.`/`limits.` prefix. */
  resource?: string;
  /** For taint reasons: key and value as printed inside the braces; the effect where the text prints one. */
  taint?: { key: string; value: string; effect?: string };
  /** The reason as printed, without its count and list punctuation. */
  text: string;
  /** Plugin or predicate the message names for this reason. */
  plugin?: string;
  /** Kueue ResourceFlavor the reason refers to. */
  flavor?: string;
  /** Kueue pod set the reason belongs to. */
  podSet?: string;
  /** Karpenter NodePool the reason refers to. */
  nodePool?: string;
  quota?: QuotaUsage;
}

/** The PostFilter (preemption) part of a kube-scheduler message. */
export interface PreemptionReading {
  totalNodes: number;
  notHelpfulNodes: number;
  noVictimsNodes: number;
  /** `false` where the pod may not preempt at all (`preemptionPolicy=Never`, a terminating victim). */
  eligible: boolean;
  /** Other reasons the preemption dry run printed, such as a resource still short after eviction. */
  reasons: SchedulingReason[];
  text: string;
}

/** Grammar a message was read with. */
export type MessageForm =
  | 'nodes-available'
  | 'legacy-predicates'
  | 'legacy-fit-failure'
  | 'autoscaler'
  | 'autoscaler-simulation'
  | 'scale-up'
  | 'kueue'
  | 'gang'
  | 'resource-quota'
  | 'single';

/** A scheduling message read into counts and categories. */
export interface SchedulingReading {
  /** The N of "0/N nodes are available", or `null` where the message states no total. */
  totalNodes: number | null;
  reasons: SchedulingReason[];
  preemption: PreemptionReading | null;
  /** The component that printed the message, as far as its wording shows. */
  component: string;
  form: MessageForm;
  /** The pod the message itself names, as `name` or `namespace/name`. */
  pod: string | null;
  /** Text the message carries besides its reasons: PostFilter notes, suffixes of forked schedulers. */
  notes: string[];
  /** `true` when the text ends in " ...", the mark the event recorder leaves after cutting a note at 1024 bytes. */
  truncated: boolean;
  message: string;
}

/**
 * Parses a scheduling message from kube-scheduler (1.3 to 1.33), cluster-autoscaler, Kueue, Volcano,
 * the coscheduling plugin, ResourceQuota admission, DRA or a scheduler extender. Text no grammar
 * covers becomes one `other` reason that keeps it, so no message reads as having no reason.
 */
export function parseSchedulerMessage(message: string): SchedulingReading {
  const frame = unwrapMessage(message);
  const body = readMessageBody(frame.text, frame.source);
  return {
    totalNodes: body.totalNodes,
    reasons: body.reasons,
    preemption: body.preemption,
    component: frame.component ?? body.component,
    form: body.form,
    pod: frame.pod,
    notes: [...frame.notes, ...body.notes],
    truncated: frame.truncated,
    message,
  };
}

/** Words every scheduler, autoscaler and admission message uses; text without any of them is not one. */
const SCHEDULING_WORDS = /\bnodes?\b|node\(s\)|nodeinfo|\bpods?\b|schedul|preempt|admi(?:t|ssion)|\bquota\b|\bqueue\b|\bvolumes?\b|\bclaims?\b|\btaints?\b|affinity/i;

/**
 * Returns whether any part of the reading was recognised: a component, a grammar other than a lone
 * reason, a node count, preemption, a reason with a category, or scheduling words in the text.
 * `false` means the text is most likely not a scheduler message at all (a typo or the wrong paste).
 */
export function isRecognisedReading(reading: SchedulingReading): boolean {
  if (reading.component !== 'unknown' || reading.form !== 'single') return true;
  if (reading.totalNodes !== null || reading.preemption !== null || reading.notes.length > 0) return true;
  if (reading.reasons.some((reason) => reason.category !== 'other' || reason.plugin !== undefined)) return true;
  return SCHEDULING_WORDS.test(reading.message);
}

/** The object `pitstop explain --json` prints for one message: the reading and its plain-words summary. */
export interface ReadingJson {
  totalNodes: number | null;
  reasons: SchedulingReason[];
  preemption: PreemptionReading | null;
  component: string;
  form: MessageForm;
  notes: string[];
  truncated: boolean;
  summary: string[];
}

export function readingToJson(reading: SchedulingReading): ReadingJson {
  return {
    totalNodes: reading.totalNodes,
    reasons: reading.reasons,
    preemption: reading.preemption,
    component: reading.component,
    form: reading.form,
    notes: reading.notes,
    truncated: reading.truncated,
    summary: describeReading(reading),
  };
}

/** A scheduling event read the same way as a message, with the object it is about. */
export interface SchedulingEventReading extends SchedulingEventFacts {
  reading: SchedulingReading;
}

/**
 * Reads a FailedScheduling (or NotTriggerScaleUp, FailedCreate, Kueue or Volcano) event, core/v1 or
 * events.k8s.io/v1, into a reading of its message. Throws an EventMessageError when the object has no message.
 */
export function readSchedulingEvent(event: unknown): SchedulingEventReading {
  const facts = eventFacts(event);
  return { ...facts, reading: parseSchedulerMessage(facts.message) };
}

export { describeReading } from './scheduler-describe.js';
export { EventMessageError, isSchedulingEventReason, type SchedulingEventFacts } from './scheduler-event.js';
