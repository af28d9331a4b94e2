/**
 * Wrappers for scheduling messages pasted from component logs rather than from events or pod status:
 * log-line prefixes, the event recorder's own log line, and the text-format scheduler log line.
 */
import type { MessageFrame, Wrapper } from './scheduler-frame.js';

/** One prefix a log collector or logger puts before a line. */
const LOG_PREFIX_PART = [
  // RFC 3339 timestamps of container runtimes, kubectl logs --timestamps and log shippers.
  String.raw`\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d(?:[.,]\d+)?(?:Z|[+-]\d\d:?\d\d)?`,
  // The CRI log format's stream and tag columns: "stderr F".
  String.raw`(?:stdout|stderr)\s+[FP]`,
  // klog's text header: severity, mmdd, time, thread id, file:line].
  String.raw`[IWEF]\d{4}\s+\d\d:\d\d:\d\d\.\d+\s+\d+\s+[\w.-]+:\d+\]`,
  // Event type markers that UIs (JupyterHub's spawn log) put before an event message.
  String.raw`\[(?:Normal|Warning)\]`,
].join('|');

const LOG_PREFIX = new RegExp(`^(?:(?:${LOG_PREFIX_PART})\\s+)+([\\s\\S]+)$`);

/** Reads `Namespace:"ns", Name:"pod"` from a Go-printed v1.ObjectReference. */
function objectReferenceName(fields: string): string | null {
  const namespace = /\bNamespace:"([^"]*)"/.exec(fields)?.[1];
  const name = /\bName:"([^"]*)"/.exec(fields)?.[1];
  if (!name) return null;
  return namespace ? `${namespace}/${name}` : name;
}

export const LOG_WRAPPERS: Wrapper[] = [
  {
    pattern: LOG_PREFIX,
    unwrap: (match) => match[1]!,
  },
  {
    // The event recorder logs each event it emits (client-go event.go, cluster-autoscaler factory.go):
    // `Event(v1.ObjectReference{Kind:"Pod", Namespace:"ns", Name:"x", ...}): type: 'Normal' reason: 'R' MESSAGE`.
    // Releases before 1.6 print `api.ObjectReference` and no type.
    pattern: /^[\s\S]*?Event\((?:v1|api)\.ObjectReference\{([^{}]*)\}\):\s*(?:type:\s*'\w+'\s+)?reason:\s*'(\w+)'\s+([\s\S]+)$/,
    unwrap: (match, frame: MessageFrame) => {
      frame.pod = objectReferenceName(match[1]!) ?? frame.pod;
      if (match[2] === 'NotTriggerScaleUp' || match[2] === 'TriggeredScaleUp') frame.component ??= 'cluster-autoscaler';
      return match[3]!;
    },
  },
  {
    // kube-scheduler 1.9 to 1.18 in text logs (factory.go): "Unable to schedule ns/name: no fit: MESSAGE; waiting".
    pattern: /^Unable to schedule (\S+?): no fit: ([\s\S]+?)\s*;\s*waiting$/,
    unwrap: (match, frame: MessageFrame) => {
      frame.pod = match[1]!;
      frame.component ??= 'kube-scheduler';
      return match[2]!;
    },
  },
];
