import type { NodeConditionView } from '../k8s/views.js';
import { makeEvent, sameEvent } from './events.js';
import { readTime } from './time.js';
import type { EventKind, VendorEvent } from './types.js';

/**
 * Notice formats of AKS node-problem-detector, which mirrors Azure Scheduled Events onto the node:
 *
 * - the consolidated `VMEventScheduled` condition, message
 *   `<EventType> Scheduled: <RFC 1123>. DurationInSeconds: <n>. <Description> For more information, see <url>.`
 *   with ` EventId: <guid>` appended by newer plugin versions;
 * - the `PreemptionScheduled` condition, the same message without the `DurationInSeconds` clause;
 * - the older per-type events and conditions (`RebootScheduled`, `FreezeScheduled`, ...), whose message
 *   starts at `Scheduled:` so the event type is only in the reason.
 */
export const NPD_FORMATS = {
  consolidated: 'aks-npd-vmeventscheduled-condition',
  preemption: 'aks-npd-preemptionscheduled-condition',
  typed: 'aks-npd-typed-scheduled-event',
} as const;

const EVENT_TYPES: Record<string, EventKind> = {
  reboot: 'reboot',
  redeploy: 'redeploy',
  freeze: 'freeze',
  preempt: 'preempt',
  preemption: 'preempt',
  terminate: 'terminate',
};

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const CONDITION_LINE = /Node condition (\w+) is now: (\w+), reason: (\w+)(?:, message: "([^"]*)")?/g;
const MESSAGE_START = /^(?:(\w+) )?(Scheduled|Started): /;

interface ParsedMessage {
  typeWord: string | null;
  started: boolean;
  time: string;
  duration: number | undefined;
  description: string;
  eventId: string | null;
}

function collapse(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

function parseMessage(message: string): ParsedMessage | null {
  const start = MESSAGE_START.exec(message);
  if (!start) return null;
  let rest = message.slice(start[0].length);
  const period = rest.indexOf('.');
  const time = (period === -1 ? rest : rest.slice(0, period)).trim();
  rest = period === -1 ? '' : rest.slice(period + 1).trim();
  let duration: number | undefined;
  const durationClause = /^DurationInSeconds: (-?\d+)\.?\s*/.exec(rest);
  if (durationClause) {
    duration = Number(durationClause[1]);
    rest = rest.slice(durationClause[0].length);
  }
  let eventId: string | null = null;
  const idClause = /\s*EventId: (\S+)\s*$/.exec(rest);
  if (idClause) {
    eventId = idClause[1]!;
    rest = rest.slice(0, idClause.index);
  }
  const moreInfo = /\s*For more information, see \S*\s*$/.exec(rest);
  if (moreInfo) rest = rest.slice(0, moreInfo.index);
  return { typeWord: start[1] ?? null, started: start[2] === 'Started', time, duration, description: rest.trim(), eventId };
}

function kindFrom(names: (string | null | undefined)[]): EventKind | undefined {
  for (const name of names) {
    if (!name) continue;
    const word = /^(\w+?)(?:Scheduled)?$/.exec(name)?.[1]?.toLowerCase();
    const kind = word === undefined ? undefined : EVENT_TYPES[word];
    if (kind) return kind;
  }
  return undefined;
}

/** Returns the NPD format of a message or condition line, or null when the text is not one. */
export function detectNpdFormat(text: string): string | null {
  const collapsed = collapse(text);
  const condition = new RegExp(CONDITION_LINE.source).exec(collapsed);
  if (condition) return formatOf(condition[1]!, condition[4] ?? '');
  const start = MESSAGE_START.exec(collapsed);
  if (!start || !/DurationInSeconds:|For more information, see/.test(collapsed)) return null;
  return formatOf(null, collapsed);
}

function formatOf(conditionType: string | null, message: string): string {
  if (conditionType === 'VMEventScheduled') return NPD_FORMATS.consolidated;
  if (conditionType === 'PreemptionScheduled') return NPD_FORMATS.preemption;
  if (conditionType !== null) return NPD_FORMATS.typed;
  const start = MESSAGE_START.exec(message);
  if (start?.[1] === undefined) return NPD_FORMATS.typed;
  return /DurationInSeconds:/.test(message) ? NPD_FORMATS.consolidated : NPD_FORMATS.preemption;
}

/**
 * Reads one NPD condition or event (type, reason and message as Kubernetes shows them) into an event,
 * or returns null when the condition is not True or is not a scheduled-event condition.
 */
export function readNpdCondition(
  condition: Pick<NodeConditionView, 'type' | 'status' | 'reason' | 'message'>,
  resources: string[],
  extraReason?: string,
): VendorEvent | null {
  if (condition.status !== 'True') return null;
  const message = collapse(condition.message ?? '');
  const parsed = parseMessage(message);
  const kind = kindFrom([parsed?.typeWord, condition.type, condition.reason, extraReason]);
  if (!parsed && kind === undefined) return null;

  const warnings: string[] = [];
  if (message !== '' && !parsed) warnings.push(`message '${message}' is not a scheduled-event message`);
  if (kind === undefined) {
    warnings.push('the message names no event type; give the Kubernetes event reason, such as RebootScheduled');
  }
  let eventId: string | null = null;
  if (parsed?.eventId) {
    if (GUID.test(parsed.eventId)) eventId = parsed.eventId;
    else warnings.push(`EventId '${parsed.eventId}' is not a complete GUID`);
  }
  return makeEvent(
    'azure',
    {
      eventId,
      kind: kind ?? 'unknown',
      status: parsed?.started ? 'started' : 'scheduled',
      notBefore: parsed ? readTime('NotBefore', parsed.time, 'RFC 1123', warnings) : null,
      notAfter: null,
      resources,
      durationSeconds: parsed?.duration !== undefined && parsed.duration >= 0 ? parsed.duration : null,
      canReschedule: null,
    },
    {
      code: parsed?.typeWord ?? (condition.type || extraReason || undefined),
      description: parsed?.description || undefined,
      warnings,
    },
  );
}

/**
 * Reads pasted NPD text: one or more `Node condition ... is now: ...` lines, or a bare message. A paste
 * that repeats the same event (kubectl folds repeats as `x8`) yields it once.
 */
export function readNpdText(text: string, reason: string | undefined): VendorEvent[] {
  const collapsed = collapse(text);
  const conditions = [...collapsed.matchAll(CONDITION_LINE)].map((match) => ({
    type: match[1]!,
    status: match[2]!,
    reason: match[3]!,
    message: match[4] ?? null,
  }));
  if (conditions.length === 0) conditions.push({ type: '', status: 'True', reason: reason ?? '', message: collapsed });

  const events: VendorEvent[] = [];
  for (const condition of conditions) {
    const event = readNpdCondition(condition, [], reason);
    if (event && !events.some((seen) => sameEvent(seen, event))) events.push(event);
  }
  return events;
}
