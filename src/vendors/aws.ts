import type { NodeView } from '../k8s/views.js';
import { asRecord, asString } from './decode.js';
import { makeEvent, makeReading, mapEnum, uniqueStrings } from './events.js';
import { detectNodes, readNodes } from './nodes.js';
import { readTime } from './time.js';
import { baseResourceNames, firstLabel, nvlinkDomainOf, providerIdSegments, skuOf, topographLeaf } from './topology.js';
import {
  NoticeFormatError,
  type EventKind,
  type EventStatus,
  type NoticeDocument,
  type NoticeReading,
  type ReadOptions,
  type VendorAdapter,
  type VendorEvent,
} from './types.js';

const IMDS_SCHEDULED = 'aws-imds-scheduled-events';
const IMDS_HISTORY = 'aws-imds-maintenance-history';
const DESCRIBE_STATUS = 'aws-describe-instance-status-events';
const HEALTH = 'aws-health-eventbridge';
const NODE_TAINTS = 'aws-node-termination-handler-taints';

/** EC2 scheduled event codes, as instance metadata and DescribeInstanceStatus print them. */
const EVENT_CODES: Record<string, EventKind> = {
  INSTANCEREBOOT: 'reboot',
  SYSTEMREBOOT: 'reboot',
  SYSTEMMAINTENANCE: 'unknown',
  INSTANCERETIREMENT: 'retirement',
  INSTANCESTOP: 'stop',
};

const EVENT_STATES: Record<string, EventStatus | 'active'> = {
  ACTIVE: 'active',
  COMPLETED: 'completed',
  CANCELED: 'cancelled',
  CANCELLED: 'cancelled',
};

const HEALTH_STATUSES: Record<string, EventStatus> = {
  UPCOMING: 'scheduled',
  OPEN: 'started',
  CLOSED: 'completed',
};

const ENTITY_STATUSES: Record<string, EventStatus> = {
  PENDING: 'scheduled',
  UPCOMING: 'scheduled',
  IMPAIRED: 'started',
  RESOLVED: 'completed',
  UNKNOWN: 'unknown',
};

/**
 * Status of an EC2 scheduled event. `active` covers both upcoming and running events, so it reads as
 * `started` only when `now` is known and past the start. Without a State (DescribeInstanceStatus), the
 * `[Completed]` or `[Canceled]` prefix AWS adds to the description decides.
 */
function ec2Status(state: unknown, description: string | null, notBefore: string | null, now?: Date): EventStatus {
  let mapped = mapEnum(state, EVENT_STATES);
  if (mapped === undefined && description !== null) {
    const prefix = /^\[(\w+)\]/.exec(description)?.[1];
    mapped = mapEnum(prefix, EVENT_STATES);
  }
  if (mapped === undefined || mapped === 'active') {
    if (now !== undefined && notBefore !== null && now.getTime() >= Date.parse(notBefore)) return 'started';
    return 'scheduled';
  }
  return mapped;
}

function readEc2Event(raw: unknown, resources: string[], options: ReadOptions): VendorEvent {
  const event = asRecord(raw) ?? {};
  const warnings: string[] = [];
  const kind = mapEnum(event.Code, EVENT_CODES);
  if (kind === undefined) warnings.push(`Code ${JSON.stringify(event.Code ?? null)} is not an EC2 scheduled event code`);
  const description = asString(event.Description);
  const notBefore = readTime('NotBefore', event.NotBefore, 'RFC 1123', warnings);
  const deadline = readTime('NotBeforeDeadline', event.NotBeforeDeadline, 'RFC 1123', warnings);
  if (event.State !== undefined && mapEnum(event.State, EVENT_STATES) === undefined) {
    warnings.push(`State ${JSON.stringify(event.State)} is not an EC2 event state`);
  }
  return makeEvent(
    'aws',
    {
      eventId: asString(event.EventId) ?? asString(event.InstanceEventId),
      kind: kind ?? 'unknown',
      status: ec2Status(event.State, description, notBefore, options.now),
      notBefore,
      notAfter: readTime('NotAfter', event.NotAfter, 'RFC 1123', warnings),
      resources,
      durationSeconds: null,
      // A start can be moved (ModifyInstanceEventStartTime) only up to NotBeforeDeadline.
      canReschedule: event.NotBeforeDeadline === undefined ? null : deadline !== null,
    },
    {
      code: asString(event.Code) ?? undefined,
      description: description || undefined,
      latestStart: deadline ?? undefined,
      warnings,
    },
  );
}

function isEc2Event(value: unknown): boolean {
  const event = asRecord(value);
  return event !== null && 'Code' in event && ('EventId' in event || 'InstanceEventId' in event || 'NotBefore' in event);
}

function readImds(document: NoticeDocument, format: string, options: ReadOptions): NoticeReading {
  const value = document.value;
  const list = Array.isArray(value) ? value : isEc2Event(value) ? [value] : null;
  if (list === null || !list.every(isEc2Event)) {
    throw new NoticeFormatError(`an ${format} document is an event object or a list of them, each with a Code`);
  }
  const events = list.map((raw) => readEc2Event(raw, [], options));
  return makeReading('aws', format, events, document.notes);
}

function readDescribeStatus(document: NoticeDocument, options: ReadOptions): NoticeReading {
  const record = asRecord(document.value) ?? {};
  const groups: { instance: string | null; events: unknown[] }[] = [];
  if (Array.isArray(record.InstanceStatuses)) {
    for (const status of record.InstanceStatuses) {
      const entry = asRecord(status) ?? {};
      groups.push({ instance: asString(entry.InstanceId), events: Array.isArray(entry.Events) ? entry.Events : [] });
    }
  } else if (Array.isArray(record.Events)) {
    groups.push({ instance: null, events: record.Events });
  } else {
    throw new NoticeFormatError(`an ${DESCRIBE_STATUS} document has InstanceStatuses or an Events array`);
  }
  const events = groups.flatMap((group) =>
    group.events.map((raw) => readEc2Event(raw, group.instance === null ? [] : [group.instance], options)),
  );
  return makeReading('aws', DESCRIBE_STATUS, events, document.notes);
}

/** Kind of an AWS Health event type code such as `AWS_EC2_INSTANCE_RETIREMENT_SCHEDULED`. */
function healthKind(typeCode: string | null): EventKind {
  const words = new Set((typeCode ?? '').toUpperCase().split('_'));
  if (words.has('RETIREMENT')) return 'retirement';
  if (words.has('REBOOT')) return 'reboot';
  if (words.has('STOP')) return 'stop';
  if (words.has('TERMINATION') || words.has('TERMINATE')) return 'terminate';
  return 'unknown';
}

function healthDescription(detail: Record<string, unknown>): string | undefined {
  const descriptions = Array.isArray(detail.eventDescription) ? detail.eventDescription.map(asRecord) : [];
  const english = descriptions.find((entry) => entry?.language === 'en_US') ?? descriptions[0];
  return asString(english?.latestDescription) || undefined;
}

function readHealth(document: NoticeDocument): NoticeReading {
  const envelope = asRecord(document.value) ?? {};
  const detail = asRecord(envelope.detail) ?? ('eventTypeCode' in envelope ? envelope : null);
  if (detail === null) throw new NoticeFormatError(`an ${HEALTH} document is an AWS Health event with a detail object`);

  const warnings: string[] = [];
  const entities = Array.isArray(detail.affectedEntities) ? detail.affectedEntities.map(asRecord) : [];
  const entityIds = entities.map((entity) => entity?.entityValue);
  const resources = uniqueStrings([...entityIds, ...(Array.isArray(envelope.resources) ? envelope.resources : [])]);
  const perResource: Record<string, EventStatus> = {};
  for (const entity of entities) {
    const id = asString(entity?.entityValue);
    const status = mapEnum(entity?.status, ENTITY_STATUSES);
    if (id !== null && status !== undefined) perResource[id] = status;
  }

  const typeCode = asString(detail.eventTypeCode);
  const event = makeEvent(
    'aws',
    {
      eventId: asString(detail.eventArn) ?? asString(detail.arn) ?? asString(envelope.id),
      kind: healthKind(typeCode),
      status: mapEnum(detail.statusCode, HEALTH_STATUSES) ?? 'unknown',
      notBefore: readTime('startTime', detail.startTime, 'RFC 1123', warnings),
      notAfter: readTime('endTime', detail.endTime, 'RFC 1123', warnings),
      resources,
      durationSeconds: null,
      canReschedule: null,
    },
    {
      code: typeCode ?? undefined,
      description: healthDescription(detail),
      perResourceStatus: Object.keys(perResource).length > 0 ? perResource : undefined,
      warnings,
    },
  );
  return makeReading('aws', HEALTH, [event], document.notes);
}

function detect(document: NoticeDocument): string | null {
  const value = document.value;
  const record = asRecord(value);
  if (record?.source === 'aws.health' || (record && 'eventTypeCode' in record && 'eventArn' in record)) return HEALTH;
  // An empty list is what instance metadata returns when nothing is scheduled.
  if (Array.isArray(value) && value.every(isEc2Event)) return IMDS_SCHEDULED;
  if (isEc2Event(value)) return IMDS_SCHEDULED;
  if (Array.isArray(record?.InstanceStatuses)) return DESCRIBE_STATUS;
  if (Array.isArray(record?.Events) && record.Events.length > 0 && record.Events.every(isEc2Event)) {
    return DESCRIBE_STATUS;
  }
  return detectNodes(document, (node) => nodeSignals(node).length > 0) ? NODE_TAINTS : null;
}

function read(document: NoticeDocument, format: string, options: ReadOptions): NoticeReading {
  if (format === NODE_TAINTS) return readNodes(document, 'aws', format, nodeSignals);
  if (format === HEALTH) return readHealth(document);
  if (format === DESCRIBE_STATUS) return readDescribeStatus(document, options);
  return readImds(document, format, options);
}

/** Taints aws-node-termination-handler places, keyed by taint key; the taint value is the event id. */
const TERMINATION_HANDLER_TAINTS: Record<string, EventKind> = {
  'aws-node-termination-handler/scheduled-maintenance': 'unknown',
  'aws-node-termination-handler/spot-itn': 'preempt',
  'aws-node-termination-handler/asg-lifecycle-termination': 'terminate',
};

function nodeSignals(node: NodeView): VendorEvent[] {
  return (node.taints ?? []).flatMap((taint) => {
    const kind = TERMINATION_HANDLER_TAINTS[taint.key];
    if (kind === undefined) return [];
    return [
      makeEvent(
        'aws',
        {
          eventId: taint.value || null,
          kind,
          status: 'scheduled',
          notBefore: null,
          notAfter: null,
          resources: [node.name],
          durationSeconds: null,
          canReschedule: null,
        },
        { code: taint.key, description: `aws-node-termination-handler tainted the node (${taint.key})` },
      ),
    ];
  });
}

/** Instance id from `aws:///<zone>/<instance-id>`. */
function instanceId(node: NodeView): string | null {
  const last = providerIdSegments(node).at(-1);
  return last !== undefined && /^i-[0-9a-z]+$/.test(last) ? last : null;
}

/** EC2 instance topology labels, top of the network first; layer 3 is the node the instance attaches to. */
function networkPath(node: NodeView): string | null {
  const layers = [1, 2, 3].map((layer) => firstLabel(node, `topology.k8s.aws/network-node-layer-${layer}`));
  if (layers.every((layer) => layer === null)) return null;
  return layers.map((layer) => layer ?? '?').join('/');
}

export const awsAdapter: VendorAdapter = {
  vendor: 'aws',
  formats: [IMDS_SCHEDULED, IMDS_HISTORY, DESCRIBE_STATUS, HEALTH, NODE_TAINTS],
  detect,
  read,
  topology: (node, options) => ({
    // EC2 publishes no rack; the network path is the closest placement it gives.
    rack: options?.rackLabel === undefined ? null : firstLabel(node, options.rackLabel),
    sku: skuOf(node),
    fabric: networkPath(node) ?? topographLeaf(node),
    nvlinkDomain: nvlinkDomainOf(node),
    instanceId: instanceId(node),
  }),
  nodeSignals,
  resourceNames: (node) => baseResourceNames(node, instanceId(node)),
};
