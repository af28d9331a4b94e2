/** Facts an Event object records about a scheduling failure, read from either Events API. */
export interface SchedulingEventFacts {
  /** `message` (core/v1) or `note` (events.k8s.io/v1). */
  message: string;
  reason: string | null;
  /** The object the event is about, as `Kind/namespace/name` (or `Kind/name` for cluster objects). */
  object: string | null;
  /** Reporting component: `reportingComponent`/`reportingController`, else the legacy `source.component`. */
  component: string | null;
  /** How often the event occurred: `series.count`, else `count`/`deprecatedCount`; `null` where neither is set. */
  count: number | null;
  /** When it was last seen: `series.lastObservedTime`, `lastTimestamp`, `eventTime`, in that order. */
  lastSeen: string | null;
}

/**
 * Event reasons that carry a reason a pod is not running: kube-scheduler and forks (FailedScheduling),
 * cluster-autoscaler (NotTriggerScaleUp), controllers refused by admission (FailedCreate), Volcano
 * PodGroups (Unschedulable, PodGroupPending) and Kueue workloads (Pending).
 */
const SCHEDULING_EVENT_REASONS = new Set(['FailedScheduling', 'NotTriggerScaleUp', 'FailedCreate', 'Unschedulable', 'PodGroupPending', 'Pending']);

export function isSchedulingEventReason(reason: string | null | undefined): boolean {
  return reason !== null && reason !== undefined && SCHEDULING_EVENT_REASONS.has(reason);
}

type Json = Record<string, unknown>;

function record(value: unknown): Json | null {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Json) : null;
}

function text(value: unknown): string | null {
  if (typeof value === 'string' && value.length > 0) return value;
  if (value instanceof Date) return value.toISOString();
  return null;
}

function objectReference(value: unknown): string | null {
  const reference = record(value);
  if (!reference) return null;
  const kind = text(reference.kind) ?? 'Object';
  const name = text(reference.name);
  if (!name) return null;
  const namespace = text(reference.namespace);
  return namespace ? `${kind}/${namespace}/${name}` : `${kind}/${name}`;
}

function countOf(event: Json): number | null {
  const series = record(event.series);
  for (const value of [series?.count, event.count, event.deprecatedCount]) {
    if (typeof value === 'number' && value > 0) return value;
  }
  return null;
}

/** Raised for an Event object that has no message to read. */
export class EventMessageError extends Error {
  override name = 'EventMessageError';
}

/** Reads the facts of an Event object. Throws an EventMessageError when it has no message. */
export function eventFacts(event: unknown): SchedulingEventFacts {
  const object = record(event);
  if (!object) throw new EventMessageError('the event is not a JSON object');
  const message = text(object.message) ?? text(object.note);
  if (message === null) {
    const metadata = record(object.metadata);
    const name = text(metadata?.name) ? `event ${text(metadata?.namespace) ? `${text(metadata?.namespace)}/` : ''}${text(metadata?.name)}` : 'the event';
    throw new EventMessageError(`${name} has neither "message" (core/v1) nor "note" (events.k8s.io/v1)`);
  }
  const series = record(object.series);
  const source = record(object.source) ?? record(object.deprecatedSource);
  return {
    message,
    reason: text(object.reason),
    object: objectReference(object.involvedObject) ?? objectReference(object.regarding),
    component: text(object.reportingComponent) ?? text(object.reportingController) ?? text(source?.component),
    count: countOf(object),
    lastSeen:
      text(series?.lastObservedTime) ?? text(object.lastTimestamp) ?? text(object.deprecatedLastTimestamp) ?? text(object.eventTime),
  };
}
