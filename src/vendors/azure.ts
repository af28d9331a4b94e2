import type { NodeView } from '../k8s/views.js';
import { NPD_FORMATS, detectNpdFormat, readNpdCondition, readNpdText } from './azure-npd.js';
import { asRecord, asString, documentText } from './decode.js';
import { makeEvent, makeReading, mapEnum, uniqueStrings } from './events.js';
import { detectNodes, readNodes } from './nodes.js';
import { readTime } from './time.js';
import { baseResourceNames, neutralTopology, providerIdSegments } from './topology.js';
import {
  NoticeFormatError,
  type EventKind,
  type EventStatus,
  type NoticeDocument,
  type NoticeReading,
  type VendorAdapter,
  type VendorEvent,
} from './types.js';

/**
 * Azure Scheduled Events as instance metadata serves them (`/metadata/scheduledevents`): a document
 * `{DocumentIncarnation, Events: [...]}`, or one element of `Events` as handlers log it.
 *
 * Azure has no completed status: an event that ends, or is cancelled, disappears from the next document.
 * @see https://learn.microsoft.com/azure/virtual-machines/linux/scheduled-events
 */
const IMDS_DOCUMENT = 'azure-imds-scheduledevents';
const IMDS_EVENT = 'azure-imds-scheduledevents-event';
const NODE_CONDITIONS = 'aks-node-conditions';

const EVENT_TYPES: Record<string, EventKind> = {
  REBOOT: 'reboot',
  REDEPLOY: 'redeploy',
  FREEZE: 'freeze',
  PREEMPT: 'preempt',
  TERMINATE: 'terminate',
};

const EVENT_STATUSES: Record<string, EventStatus> = {
  SCHEDULED: 'scheduled',
  STARTED: 'started',
  COMPLETE: 'completed',
  CANCEL: 'cancelled',
};

function readDuration(value: unknown, warnings: string[]): number | null {
  if (value === undefined || value === null || value === '') return null;
  const seconds = typeof value === 'number' ? value : Number(value);
  if (!Number.isFinite(seconds)) {
    warnings.push(`DurationInSeconds ${JSON.stringify(value)} is not a number`);
    return null;
  }
  // -1 means Azure does not know the impact.
  return seconds < 0 ? null : seconds;
}

function readImdsEvent(raw: unknown, documentWarnings: string[]): VendorEvent {
  const event = asRecord(raw) ?? {};
  const warnings = [...documentWarnings];
  const kind = mapEnum(event.EventType, EVENT_TYPES);
  if (kind === undefined) warnings.push(`EventType ${JSON.stringify(event.EventType ?? null)} is not an Azure event type`);
  const status = mapEnum(event.EventStatus, EVENT_STATUSES);
  if (status === undefined && event.EventStatus !== undefined) {
    warnings.push(`EventStatus ${JSON.stringify(event.EventStatus)} is not an Azure event status`);
  }
  const resources = Array.isArray(event.Resources) ? uniqueStrings(event.Resources) : [];
  return makeEvent(
    'azure',
    {
      eventId: asString(event.EventId),
      kind: kind ?? 'unknown',
      status: status ?? 'unknown',
      notBefore: readTime('NotBefore', event.NotBefore, 'RFC 1123', warnings),
      notAfter: null,
      resources,
      durationSeconds: readDuration(event.DurationInSeconds, warnings),
      canReschedule: null,
    },
    {
      code: asString(event.EventType) ?? undefined,
      description: asString(event.Description) || undefined,
      source: asString(event.EventSource) || undefined,
      warnings,
    },
  );
}

function readImdsDocument(value: unknown, notes: string[]): NoticeReading {
  const document = asRecord(value);
  if (!document || !Array.isArray(document.Events)) {
    throw new NoticeFormatError(`an ${IMDS_DOCUMENT} document is an object with an Events array`);
  }
  const documentWarnings: string[] = [];
  const incarnation = document.DocumentIncarnation;
  let counter: number | undefined;
  if (typeof incarnation === 'number') counter = incarnation;
  else if (typeof incarnation === 'string') {
    documentWarnings.push(`DocumentIncarnation is a string (${JSON.stringify(incarnation)}), not a number`);
  } else if (incarnation !== undefined) {
    documentWarnings.push(`DocumentIncarnation ${JSON.stringify(incarnation)} is not a number`);
  }
  const events = document.Events.map((raw) => readImdsEvent(raw, documentWarnings));
  return makeReading('azure', IMDS_DOCUMENT, events, [...notes, ...documentWarnings], counter);
}

function isImdsEvent(value: unknown): boolean {
  const event = asRecord(value);
  return event !== null && 'EventType' in event && ('EventStatus' in event || 'EventId' in event);
}

function detect(document: NoticeDocument): string | null {
  const record = asRecord(document.value);
  if (record && Array.isArray(record.Events)) {
    if ('DocumentIncarnation' in record || record.Events.some(isImdsEvent)) return IMDS_DOCUMENT;
  }
  if (isImdsEvent(record)) return IMDS_EVENT;
  if (detectNodes(document, (node) => nodeSignals(node).length > 0)) return NODE_CONDITIONS;
  if (document.value === undefined) return detectNpdFormat(documentText(document));
  return null;
}

function read(document: NoticeDocument, format: string, options: { reason?: string }): NoticeReading {
  if (format === IMDS_DOCUMENT) return readImdsDocument(document.value, document.notes);
  if (format === NODE_CONDITIONS) return readNodes(document, 'azure', format, nodeSignals);
  if (format === IMDS_EVENT) {
    if (!isImdsEvent(document.value)) {
      throw new NoticeFormatError(`an ${IMDS_EVENT} document is one object with EventType and EventStatus`);
    }
    return makeReading('azure', format, [readImdsEvent(document.value, [])], document.notes);
  }
  const text = documentText(document);
  if (text === '' || detectNpdFormat(text) === null) {
    throw new NoticeFormatError(`an ${format} notice is node-problem-detector text such as "Reboot Scheduled: <time>. ..."`);
  }
  return makeReading('azure', format, readNpdText(text, options.reason), document.notes);
}

/**
 * Returns the VM name Scheduled Events uses for a node. A scale-set provider id ends in
 * `virtualMachineScaleSets/<set>/virtualMachines/<index>`, and the VM is named `<set>_<index>`.
 */
function vmName(node: NodeView): string | null {
  const segments = providerIdSegments(node).map((segment) => segment.toLowerCase());
  const original = providerIdSegments(node);
  const vms = segments.lastIndexOf('virtualmachines');
  if (vms === -1 || vms + 1 >= original.length) return null;
  const sets = segments.lastIndexOf('virtualmachinescalesets');
  if (sets !== -1 && sets + 1 < vms) return `${original[sets + 1]}_${original[vms + 1]}`;
  return original[vms + 1]!;
}

/**
 * AKS names a scale-set node `<set>` + the instance index in base 36, six digits
 * (`aks-nodepool1-12345678-vmss00001b` is instance 47), while Scheduled Events names `<set>_47`.
 */
function scaleSetVmName(nodeName: string): string | null {
  const match = /^(.+vmss)([0-9a-z]{6})$/.exec(nodeName);
  if (!match) return null;
  return `${match[1]}_${Number.parseInt(match[2]!, 36)}`;
}

function nodeSignals(node: NodeView): VendorEvent[] {
  const events: VendorEvent[] = [];
  for (const condition of node.conditions ?? []) {
    if (!/Scheduled$/.test(condition.type)) continue;
    const event = readNpdCondition(condition, [node.name]);
    if (event) events.push(event);
  }
  return events;
}

export const azureAdapter: VendorAdapter = {
  vendor: 'azure',
  formats: [IMDS_DOCUMENT, IMDS_EVENT, NODE_CONDITIONS, NPD_FORMATS.consolidated, NPD_FORMATS.preemption, NPD_FORMATS.typed],
  detect,
  read,
  // AKS publishes no rack or fabric label, so only the vendor-neutral labels apply.
  topology: (node, options) => neutralTopology(node, options?.rackLabel, vmName(node)),
  nodeSignals,
  resourceNames: (node) => baseResourceNames(node, vmName(node), scaleSetVmName(node.name)),
};
