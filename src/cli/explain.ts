import {
  describeReading,
  EventMessageError,
  isRecognisedReading,
  isSchedulingEventReason,
  parseSchedulerMessage,
  readingToJson,
  readSchedulingEvent,
  type ReadingJson,
  type SchedulingEventReading,
  type SchedulingReading,
} from '../k8s/scheduler-message.js';
import { readPendingPod, type PendingPodReading, type PodSkipReason } from '../k8s/scheduler-pod.js';
import { joinDocuments, parseJsonStream, parseYamlDocuments } from './documents.js';
import { readAll, type CliCommand, type CliIo } from './io.js';

const USAGE = `usage: pitstop explain [--json] [MESSAGE...]

Reads why pods are pending. MESSAGE is a scheduler message (kube-scheduler, cluster-autoscaler,
Karpenter, Kueue, Volcano, ResourceQuota admission). Without MESSAGE, stdin is read; it may hold a
message, a JSON string, a Pod or pod list (kubectl get pods -o json or -o yaml), or an Event or
event list (kubectl get events -o json).

options:
  --json      print JSON: the reading for a message, Pod or Event; {"pods": [...]} for a list
  -h, --help  print this help

exit status: 0 explained, 1 nothing to explain (no pending pod, or text that is not a scheduler
message; --json still prints its reading), 2 invalid option or input
`;

/** Input that cannot be read; the message names the value and what to pass instead. */
class InputError extends Error {}

/** An invalid option: the error is followed by the whole usage text, unlike an input error. */
class OptionError extends Error {}

const NOT_A_MESSAGE =
  'pitstop explain: not a recognised scheduler message; paste the PodScheduled condition message or a FailedScheduling event\n';

type Json = Record<string, unknown>;

/** Decoded input: a message, one object, or the pods and events of a list. */
type ExplainInput =
  | { kind: 'message'; message: string }
  | { kind: 'pod'; pod: Json }
  | { kind: 'event'; event: Json }
  | { kind: 'list'; pods: Json[]; events: Json[]; skipped: Map<string, number> };

function isRecord(value: unknown): value is Json {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function looksLikePod(value: Json): boolean {
  return value.kind === 'Pod' || (value.kind === undefined && isRecord(value.metadata) && (isRecord(value.spec) || isRecord(value.status)));
}

function looksLikeEvent(value: Json): boolean {
  return value.kind === 'Event' || (value.kind === undefined && (isRecord(value.involvedObject) || isRecord(value.regarding)));
}

function readList(items: unknown[]): ExplainInput {
  const list: Extract<ExplainInput, { kind: 'list' }> = { kind: 'list', pods: [], events: [], skipped: new Map() };
  const skip = (label: string) => list.skipped.set(label, (list.skipped.get(label) ?? 0) + 1);
  for (const item of items) {
    if (!isRecord(item)) skip('entries that are not objects');
    else if (looksLikePod(item)) list.pods.push(item);
    else if (!looksLikeEvent(item)) skip(`${typeof item.kind === 'string' ? item.kind : 'unknown'} objects`);
    else if (isSchedulingEventReason(typeof item.reason === 'string' ? item.reason : null)) list.events.push(item);
    else skip(`events with reason ${typeof item.reason === 'string' ? item.reason : '(none)'}`);
  }
  return list;
}

function readValue(value: unknown): ExplainInput {
  if (typeof value === 'string') return { kind: 'message', message: value };
  if (Array.isArray(value)) return readList(value);
  if (!isRecord(value)) throw new InputError(`the input is JSON ${JSON.stringify(value)}, not a message, Pod, Event or list`);
  if (Array.isArray(value.items)) return readList(value.items);
  if (looksLikePod(value)) return { kind: 'pod', pod: value };
  if (looksLikeEvent(value)) return { kind: 'event', event: value };
  const kind = typeof value.kind === 'string' ? `an object of kind "${value.kind}"` : 'an object without "kind"';
  throw new InputError(`the input is ${kind}; pass a scheduler message, a Pod, a pod list, an Event or an event list`);
}

const YAML_OBJECT = /^(?:apiVersion|kind|items|metadata|status|spec):/m;

/** Decodes the input text: JSON or YAML objects, a JSON string, else the text is the message itself. */
function readInput(text: string): ExplainInput {
  const trimmed = text.trim();
  if (trimmed.length === 0) throw new InputError('no input: pass MESSAGE, or pipe a message, Pod, pod list or Event to stdin');
  if (/^[{["]/.test(trimmed)) {
    try {
      return readValue(JSON.parse(trimmed));
    } catch (error) {
      if (error instanceof InputError) throw error;
      // Objects printed one after another, as a loop over kubectl get -o json prints them.
      const stream = parseJsonStream(trimmed);
      if (stream !== null) return readValue(joinDocuments(stream));
      if (trimmed.startsWith('{')) throw new InputError(`the input starts with "{" but is not valid JSON (${(error as Error).message})`);
    }
  }
  if (YAML_OBJECT.test(trimmed)) {
    let value: unknown;
    try {
      value = parseYamlDocuments(trimmed);
    } catch (error) {
      throw new InputError(`the input looks like YAML but does not parse (${(error as Error).message})`);
    }
    return readValue(value);
  }
  return { kind: 'message', message: trimmed };
}

interface Options {
  json: boolean;
  help: boolean;
  words: string[];
}

function parseOptions(argv: string[]): Options {
  const options: Options = { json: false, help: false, words: [] };
  let flags = true;
  for (const arg of argv) {
    if (flags && arg === '--') flags = false;
    else if (flags && arg === '--json') options.json = true;
    else if (flags && (arg === '--help' || arg === '-h')) options.help = true;
    else if (flags && arg.startsWith('-') && arg !== '-') throw new OptionError(`unknown option "${arg}"`);
    else if (arg !== '-') options.words.push(arg);
  }
  return options;
}

async function inputText(options: Options, io: CliIo): Promise<string> {
  if (options.words.length > 0) return options.words.join(' ');
  if ((io.stdin as { isTTY?: boolean }).isTTY) throw new InputError('no MESSAGE given and stdin is a terminal');
  return readAll(io.stdin);
}

function podJson(pod: PendingPodReading): ReadingJson & { pod: string; owner: string | null; gpuRequest: number | null } {
  return { pod: pod.pod, owner: pod.owner, gpuRequest: pod.gpuRequest, ...readingToJson(pod.reading) };
}

function eventJson(event: SchedulingEventReading): Json {
  return {
    object: event.object,
    eventReason: event.reason,
    count: event.count,
    lastSeen: event.lastSeen,
    reportedBy: event.component,
    ...readingToJson(event.reading),
  };
}

function readingLines(reading: SchedulingReading, indent: string): string {
  return describeReading(reading)
    .map((line) => `${indent}${line}\n`)
    .join('');
}

function podHeading(pod: PendingPodReading): string {
  const facts = [pod.owner, pod.gpuRequest ? `${pod.gpuRequest} GPU${pod.gpuRequest === 1 ? '' : 's'}` : null].filter(Boolean);
  return `${pod.pod}${facts.length > 0 ? ` (${facts.join(', ')})` : ''}:\n`;
}

function eventHeading(event: SchedulingEventReading): string {
  const count = event.count && event.count > 1 ? ` x${event.count}` : '';
  return `${event.object ?? 'event'} ${event.reason ?? ''}${count}:\n`.replace(/ :\n$/, ':\n');
}

const POD_SKIP_LABELS: Record<PodSkipReason, string> = {
  scheduled: 'pods that are scheduled',
  'no PodScheduled condition': 'pods without a PodScheduled condition',
  'PodScheduled=False without a message': 'pods with PodScheduled=False but no message',
};

/** Reads every entry of a list; pods and events that hold nothing to explain are counted as skipped. */
function readListEntries(list: Extract<ExplainInput, { kind: 'list' }>) {
  const pods: PendingPodReading[] = [];
  const skipped = new Map(list.skipped);
  for (const pod of list.pods) {
    const result = readPendingPod(pod);
    if (result.ok) pods.push(result.value);
    else skipped.set(POD_SKIP_LABELS[result.skipped], (skipped.get(POD_SKIP_LABELS[result.skipped]) ?? 0) + 1);
  }
  const events: SchedulingEventReading[] = [];
  for (const event of list.events) {
    try {
      events.push(readSchedulingEvent(event));
    } catch (error) {
      // One event without a message must not hide the readable ones; it is counted like other skipped entries.
      if (!(error instanceof EventMessageError)) throw error;
      skipped.set('events without a message', (skipped.get('events without a message') ?? 0) + 1);
    }
  }
  return { pods, events, skipped };
}

function writeList(list: Extract<ExplainInput, { kind: 'list' }>, options: Options, io: CliIo): number {
  const { pods, events, skipped } = readListEntries(list);
  if (options.json) {
    const out: Json = { pods: pods.map(podJson) };
    if (events.length > 0 || list.pods.length === 0) out.events = events.map(eventJson);
    if (skipped.size > 0) out.skipped = Object.fromEntries(skipped);
    io.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
  } else {
    for (const pod of pods) io.stdout.write(podHeading(pod) + readingLines(pod.reading, '  '));
    for (const event of events) io.stdout.write(eventHeading(event) + readingLines(event.reading, '  '));
    if (pods.length + events.length === 0) io.stdout.write('no pending pod or scheduling event in the input\n');
    for (const [label, count] of skipped) io.stdout.write(`skipped ${label}: ${count}\n`);
  }
  return pods.length + events.length > 0 ? 0 : 1;
}

function writeSingle(input: Exclude<ExplainInput, { kind: 'list' }>, options: Options, io: CliIo): number {
  if (input.kind === 'message') {
    const reading = parseSchedulerMessage(input.message);
    const recognised = isRecognisedReading(reading);
    if (options.json) io.stdout.write(`${JSON.stringify(readingToJson(reading), null, 2)}\n`);
    else if (recognised) io.stdout.write(readingLines(reading, ''));
    if (recognised) return 0;
    io.stderr.write(NOT_A_MESSAGE);
    return 1;
  }
  if (input.kind === 'event') {
    const event = readSchedulingEvent(input.event);
    io.stdout.write(options.json ? `${JSON.stringify(eventJson(event), null, 2)}\n` : eventHeading(event) + readingLines(event.reading, '  '));
    return 0;
  }
  const result = readPendingPod(input.pod);
  if (!result.ok) {
    io.stderr.write(`pitstop explain: pod ${result.pod} has nothing to explain (${result.skipped})\n`);
    return 1;
  }
  io.stdout.write(options.json ? `${JSON.stringify(podJson(result.value), null, 2)}\n` : podHeading(result.value) + readingLines(result.value.reading, '  '));
  return 0;
}

/** `pitstop explain`: reads a scheduler message, Pod, pod list or Event and explains why pods are pending. */
export const explainCommand: CliCommand = async (argv, io) => {
  try {
    const options = parseOptions(argv);
    if (options.help) {
      io.stdout.write(USAGE);
      return 0;
    }
    const input = readInput(await inputText(options, io));
    return input.kind === 'list' ? writeList(input, options, io) : writeSingle(input, options, io);
  } catch (error) {
    if (error instanceof OptionError) {
      io.stderr.write(`pitstop explain: ${error.message}\n\n${USAGE}`);
      return 2;
    }
    if (!(error instanceof InputError) && !(error instanceof EventMessageError)) throw error;
    io.stderr.write(`pitstop explain: ${error.message}\nrun pitstop explain --help for usage\n`);
    return 2;
  }
};
