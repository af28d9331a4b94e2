import type { MessageForm, PreemptionReading, SchedulingReason } from './scheduler-message.js';
import { classifyReason, type ReasonSource } from './scheduler-reasons.js';
import { splitCountedList, trimJoiners } from './scheduler-text.js';

/** Reading of a message body, before the frame's facts are added. */
export interface BodyReading {
  totalNodes: number | null;
  reasons: SchedulingReason[];
  preemption: PreemptionReading | null;
  component: string;
  form: MessageForm;
  notes: string[];
}

/** A grammar: the opening it recognises and how it reads the text that opens that way. */
export interface Form {
  pattern: RegExp;
  read(match: RegExpExecArray, text: string): BodyReading;
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

/** Classifies one reason text and builds the reason with its count. */
export function reason(text: string, nodes: number | null, source: ReasonSource): SchedulingReason {
  return buildReason(classifyReason(text, source), nodes, text);
}

/** Reads a reason list that is either counted ("3 node(s) ..., 1 Insufficient cpu") or one uncounted reason. */
export function readReasonList(text: string, source: ReasonSource): SchedulingReason[] {
  const list = trimJoiners(text);
  if (list.length === 0) return [];
  if (!/^\d+\s+\S/.test(list)) return [reason(list, null, source)];
  return splitCountedList(list).map((item) => reason(item.text, Number.isNaN(item.count) ? null : item.count, source));
}
