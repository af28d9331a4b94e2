import type { NodeView } from '../k8s/views.js';
import { asRecord, asString } from './decode.js';
import { makeEvent, makeReading, mapEnum, readBoolean } from './events.js';
import { addSeconds, readIsoDuration, readTime } from './time.js';
import { baseResourceNames, firstLabel, nvlinkDomainOf, providerIdSegments, skuOf } from './topology.js';
import {
  NoticeFormatError,
  type EventKind,
  type EventStatus,
  type NoticeDocument,
  type NoticeReading,
  type VendorAdapter,
  type VendorEvent,
} from './types.js';

const EVENTS = 'oci-events-instancemaintenance';
const API = 'oci-instance-maintenance-event';
const EVENT_TYPE_PREFIX = 'com.oraclecloud.computeapi.instancemaintenance';

/**
 * `instanceAction`: what Oracle does at the window. A reboot migration restarts the instance on another
 * host, which is what `redeploy` means. `NONE` leaves the choice to the customer, so the kind is unknown.
 * Keys are prefixes of the upper-cased value, because the console's sample spells `REBOOT_MIGRATE` and
 * `None` where the SDK has `REBOOT_MIGRATION` and `NONE`.
 */
const INSTANCE_ACTIONS: Record<string, EventKind> = {
  REBOOTMIGRAT: 'redeploy',
  TERMINATE: 'terminate',
  STOP: 'stop',
  NONE: 'unknown',
};

const LIFECYCLE_STATES: Record<string, EventStatus | 'failed'> = {
  SCHEDULED: 'scheduled',
  STARTED: 'started',
  PROCESSING: 'started',
  SUCCE: 'completed',
  CANCEL: 'cancelled',
  FAILED: 'failed',
};

function statusOf(details: Record<string, unknown>, eventType: string, warnings: string[]): EventStatus {
  const state = mapEnum(details.lifecycleState, LIFECYCLE_STATES);
  if (state === 'failed') {
    warnings.push(`lifecycleState ${JSON.stringify(details.lifecycleState)} has no event status: the maintenance failed`);
    return 'unknown';
  }
  if (state !== undefined) return state;
  if (details.lifecycleState !== undefined) {
    warnings.push(`lifecycleState ${JSON.stringify(details.lifecycleState)} is not an OCI maintenance state`);
  }
  if (eventType.endsWith('.begin')) return 'started';
  if (eventType.endsWith('.end')) return 'completed';
  return 'unknown';
}

function readMaintenance(
  details: Record<string, unknown>,
  ids: { eventId: string | null; eventType: string },
  envelopeWarnings: string[],
): VendorEvent {
  const warnings = [...envelopeWarnings];
  const kind = mapEnum(details.instanceAction, INSTANCE_ACTIONS);
  if (kind === undefined && details.instanceAction !== undefined) {
    warnings.push(`instanceAction ${JSON.stringify(details.instanceAction)} is not an OCI instance action`);
  }
  const notBefore = readTime('timeWindowStart', details.timeWindowStart, 'RFC 3339', warnings);
  const startWindow = readIsoDuration('startWindowDuration', details.startWindowDuration, warnings);
  const instance = asString(details.instanceId);
  const token = asString(details.correlationToken);
  return makeEvent(
    'oci',
    {
      eventId: ids.eventId,
      kind: kind ?? 'unknown',
      status: statusOf(details, ids.eventType, warnings),
      notBefore,
      // The window given is the window in which the work starts.
      notAfter: notBefore !== null && startWindow !== null ? addSeconds(notBefore, startWindow) : null,
      resources: instance ? [instance] : [],
      durationSeconds: readIsoDuration('estimatedDuration', details.estimatedDuration, warnings),
      canReschedule: readBoolean('canReschedule', details.canReschedule, warnings),
    },
    {
      code: asString(details.instanceAction) ?? undefined,
      description: asString(details.description) || undefined,
      source: asString(details.createdBy) ?? undefined,
      latestStart: readTime('timeHardDueDate', details.timeHardDueDate, 'RFC 3339', warnings) ?? undefined,
      category: asString(details.maintenanceCategory),
      reason: asString(details.maintenanceReason),
      correlationToken: token === '' ? null : token,
      warnings,
    },
  );
}

function eventTypeOf(record: Record<string, unknown> | null): string {
  return asString(record?.eventType) ?? asString(record?.type) ?? '';
}

function readEvents(document: NoticeDocument): NoticeReading {
  const envelope = asRecord(document.value);
  const eventType = eventTypeOf(envelope);
  const data = asRecord(envelope?.data);
  if (!eventType.startsWith(EVENT_TYPE_PREFIX) || data === null) {
    throw new NoticeFormatError(`an ${EVENTS} document is an OCI event of type ${EVENT_TYPE_PREFIX}[.begin|.end]`);
  }
  const envelopeWarnings: string[] = [];
  readTime('eventTime', envelope?.eventTime ?? envelope?.time, 'RFC 3339', envelopeWarnings);
  const details = { ...data, ...(asRecord(data.additionalDetails) ?? {}) };
  const event = readMaintenance(details, { eventId: asString(data.resourceId), eventType }, envelopeWarnings);
  return makeReading('oci', EVENTS, [event], document.notes);
}

function isApiEvent(value: unknown): boolean {
  const record = asRecord(value);
  return record !== null && 'instanceId' in record && ('instanceAction' in record || 'timeWindowStart' in record);
}

function apiEvents(value: unknown): unknown[] | null {
  const record = asRecord(value);
  const list = Array.isArray(value) ? value : Array.isArray(record?.items) ? record.items : Array.isArray(record?.data) ? record.data : [value];
  return list.length > 0 && list.every(isApiEvent) ? list : null;
}

function readApi(document: NoticeDocument): NoticeReading {
  const list = apiEvents(document.value);
  if (list === null) throw new NoticeFormatError(`an ${API} document is an InstanceMaintenanceEvent or a list of them`);
  const events = list.map((raw) => {
    const details = asRecord(raw)!;
    return readMaintenance(details, { eventId: asString(details.id), eventType: '' }, []);
  });
  return makeReading('oci', API, events, document.notes);
}

function detect(document: NoticeDocument): string | null {
  if (eventTypeOf(asRecord(document.value)).startsWith(EVENT_TYPE_PREFIX)) return EVENTS;
  return apiEvents(document.value) ? API : null;
}

/** Instance OCID from the provider id, which OKE sets to the OCID itself or to `oci://<ocid>`. */
function instanceOcid(node: NodeView): string | null {
  const last = providerIdSegments(node).at(-1);
  return last?.startsWith('ocid1.instance.') ? last : null;
}

export const ociAdapter: VendorAdapter = {
  vendor: 'oci',
  formats: [EVENTS, API],
  detect,
  read: (document, format) => (format === EVENTS ? readEvents(document) : readApi(document)),
  topology: (node, options) => ({
    rack: firstLabel(node, ...(options?.rackLabel ? [options.rackLabel] : []), 'oci.oraclecloud.com/host.rack_id'),
    sku: skuOf(node),
    fabric: firstLabel(node, 'oci.oraclecloud.com/host.network_block_id', 'oci.oraclecloud.com/rdma.local_block_id'),
    nvlinkDomain: nvlinkDomainOf(node, 'oci.oraclecloud.com/host.gpu_memory_fabric_id'),
    instanceId: instanceOcid(node),
  }),
  // NOTE: no OKE node label, taint or condition that announces maintenance is known, so OCI notices
  // arrive only as events or API objects.
  nodeSignals: () => [],
  resourceNames: (node) => baseResourceNames(node, instanceOcid(node)),
};
