import { LOG_WRAPPERS } from './scheduler-log.js';
import type { ReasonSource } from './scheduler-reasons.js';
import { unquoteGo } from './scheduler-text.js';

/** A message with the text around it removed: log and event-table columns, prefixes, error wrappers. */
export interface MessageFrame {
  text: string;
  component: string | null;
  source: ReasonSource | null;
  pod: string | null;
  notes: string[];
  truncated: boolean;
}

/** A form of text around a message, and how to remove it. */
export interface Wrapper {
  pattern: RegExp;
  /** Returns the inner text and records the wrapper's facts (pod, component, notes) on the frame. */
  unwrap(match: RegExpExecArray, frame: MessageFrame): string;
}

/** Event reasons whose table lines (`kubectl describe`, `kubectl get events`) carry scheduling messages. */
const EVENT_REASONS = 'FailedScheduling|NotTriggerScaleUp|FailedCreate|Unschedulable|PodGroupPending|Pending';

/** Components that print scheduling events, as the From column of an event table shows them. */
const EVENT_SOURCE = String.raw`[\w./-]*(?:scheduler|autoscaler|volcano|kueue|karpenter|controller|admission|kubelet)[\w./-]*`;

/** Columns that stand between an event's reason and its message: age, repeat count, object, source. */
const EVENT_COLUMN = new RegExp(
  String.raw`^(?:<unknown>|<invalid>|\d+(?:\.\d+)?[smhd](?:\d+[smhd])*|\(x\d+ over [^)]*\)|(?:pod|podgroup|workload|job|jobset)\/\S+|${EVENT_SOURCE})\s+`,
  'i',
);

/**
 * An event reason in a table line: a known scheduling reason, or any other CamelCase reason (HAMi's
 * FilteringFailed, Karpenter's Nominated) when an age or source column follows it.
 */
const TABLE_REASON = String.raw`(?:${EVENT_REASONS}|[A-Z][a-z]+(?:[A-Z][a-z]*)*(?=\s+(?:<unknown>|<invalid>|\d+(?:\.\d+)?[smhd]|\(x\d+|${EVENT_SOURCE}\s)))`;

function stripEventColumns(text: string): string {
  let rest = text;
  for (let i = 0; i < 6; i++) {
    const match = EVENT_COLUMN.exec(rest);
    if (!match) break;
    rest = rest.slice(match[0].length);
  }
  return rest;
}

const WRAPPERS: Wrapper[] = [
  {
    // The legacy event recorder's prefix for an event that aggregates ten or more similar ones.
    pattern: /^\(combined from similar events\):\s*([\s\S]+)$/,
    unwrap: (match, frame) => {
      frame.notes.push('combined from similar events');
      return match[1]!;
    },
  },
  {
    // A klog structured line: `"Unable to schedule pod; no fit; waiting" pod="ns/x" err="0/3 nodes ..."`.
    pattern: /^(?:[\s\S]*?\s)?err="((?:[^"\\]|\\.)*)"/,
    unwrap: (match, frame) => {
      const pod = /\bpod="([^"]*)"/.exec(match[0]);
      if (pod) frame.pod = pod[1]!;
      return unquoteGo(match[1]!);
    },
  },
  {
    pattern: new RegExp(String.raw`^(?:[\s\S]*?\s)?(?:Warning|Normal)\s+${TABLE_REASON}\s+([\s\S]+)$`),
    unwrap: (match) => stripEventColumns(match[1]!),
  },
  {
    // kubectl 1.1 to 1.4 event tables: FirstSeen, LastSeen, Count, From ("{default-scheduler }"),
    // SubobjectPath, optional Type, Reason, Message.
    pattern: /^(?:[^{}\s]+\s+){0,4}\{[\w.-]+(?: [\w.-]+)? ?\}\s+(?:(?:Warning|Normal)\s+)?[A-Z][a-z]+[A-Za-z]*\s+([\s\S]+)$/,
    unwrap: (match) => match[1]!,
  },
  {
    // The PodScheduled condition's reason, as UIs (Kubeflow Pipelines, Volcano) prefix it.
    pattern: /^(?:Unschedulable|SchedulerError|FailedScheduling|NotTriggerScaleUp|NotEnoughResources|Inadmissible|Pending)\s*:\s+([\s\S]+)$/,
    unwrap: (match) => match[1]!,
  },
  {
    // Pre-framework scheduler log form (factory.go): "Error scheduling ns/name: REASON; retrying".
    pattern: /^Error scheduling (?:pod )?(\S+?):\s+([\s\S]+?)(?:;\s*retrying)?$/,
    unwrap: (match, frame) => {
      frame.pod = match[1]!;
      frame.component ??= 'kube-scheduler';
      return match[2]!;
    },
  },
  {
    // API server admission: `Error creating: pods "x-" is forbidden: exceeded quota: ...`.
    pattern: /^[\s\S]*?\bpods? "([^"]*)" is forbidden:\s+([\s\S]+)$/,
    unwrap: (match, frame) => {
      frame.pod = match[1]!;
      frame.source = 'quota';
      return match[2]!;
    },
  },
  {
    pattern: /^[\s\S]*?admission webhook "([^"]+)" denied the request:\s+([\s\S]+)$/,
    unwrap: (match, frame) => {
      frame.component = /volcano/i.test(match[1]!) ? 'volcano' : `admission webhook ${match[1]}`;
      return match[2]!;
    },
  },
  {
    // Framework plugin errors: `error while running "VolumeBinding" prebind plugin for pod "x": ...`.
    pattern: /^(?:error while )?running "([^"]+)" ([\w-]+) plugin(?: for pod "([^"]*)")?:\s+([\s\S]+)$/i,
    unwrap: (match, frame) => {
      if (match[3]) frame.pod = match[3];
      frame.component ??= 'kube-scheduler';
      return match[4]!;
    },
  },
  {
    pattern: /^running ([\w-]+) plugin "([^"]+)":\s+([\s\S]+)$/i,
    unwrap: (match, frame) => {
      frame.component ??= 'kube-scheduler';
      return match[3]!;
    },
  },
  {
    // Kubelet admission rejects a pod already bound to the node: "Pod Predicate PodFitsHostPorts failed".
    pattern: /^(?:Pod )?Predicate (\S+) failed(?::\s*([\s\S]+))?$/,
    unwrap: (match, frame) => {
      frame.component ??= 'kubelet';
      return match[2] ?? match[1]!;
    },
  },
  {
    // kube-scheduler 1.0 to 1.2: "Failed for reason PodExceedsFreeCPU and possibly others".
    pattern: /^Failed for reason (\S+?)(?: and possibly others)?\.?$/,
    unwrap: (match, frame) => {
      frame.component ??= 'kube-scheduler';
      return match[1]!;
    },
  },
  {
    pattern: /^pre-filter pod (\S+)\s+([\s\S]+)$/,
    unwrap: (match, frame) => {
      frame.pod = match[1]!;
      frame.component ??= 'coscheduling';
      return match[2]!;
    },
  },
  {
    // Volcano's job controller: "PodGroup ns:name unschedule,reason: 1/1 tasks in gang unschedulable: ...".
    pattern: /^(?:PodGroup\s+)?(\S+)\s+unschedule,\s*reason:\s*([\s\S]+)$/,
    unwrap: (match, frame) => {
      frame.component ??= 'volcano';
      return match[2]!;
    },
  },
];

const ALL_WRAPPERS = [...LOG_WRAPPERS, ...WRAPPERS];

/**
 * Removes what surrounds a scheduling message, outermost first, until no wrapper applies: the
 * aggregation prefix, klog and event-table columns, condition-reason prefixes and error wrappers.
 */
export function unwrapMessage(message: string): MessageFrame {
  const frame: MessageFrame = { text: '', component: null, source: null, pod: null, notes: [], truncated: false };
  // Pastes fold long messages across lines (YAML, terminals); no grammar depends on line breaks.
  let text = message.replace(/\s+/g, ' ').trim();
  if (/\s\.\.\.$/.test(text)) {
    frame.truncated = true;
    text = text.replace(/\s\.\.\.$/, '');
  }
  for (let round = 0; round < 12; round++) {
    const wrapper = ALL_WRAPPERS.find((candidate) => candidate.pattern.test(text));
    if (!wrapper) break;
    const next = wrapper.unwrap(wrapper.pattern.exec(text)!, frame).trim();
    if (next === text || next.length === 0) break;
    text = next;
  }
  frame.text = text;
  return frame;
}
