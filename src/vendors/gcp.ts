import type { NodeView } from '../k8s/views.js';
import { asRecord, asString, documentText } from './decode.js';
import { makeEvent, makeReading } from './events.js';
import {
  findUpcomingMaintenance,
  isSnakeCase,
  isUpcomingMaintenance,
  parseKeyValueLines,
  readUpcomingMaintenance,
} from './gcp-upcoming.js';
import { detectNodes, readNodes } from './nodes.js';
import { readEpochSeconds } from './time.js';
import { baseResourceNames, firstLabel, nvlinkDomainOf, providerIdSegments, skuOf } from './topology.js';
import {
  NoticeFormatError,
  type EventKind,
  type NoticeDocument,
  type NoticeReading,
  type VendorAdapter,
  type VendorEvent,
} from './types.js';

const MAINTENANCE_EVENT = 'gce-metadata-maintenance-event';
const UPCOMING_METADATA = 'gce-metadata-upcoming-maintenance';
const UPCOMING_TEXT = 'gce-metadata-upcoming-maintenance-text';
const INSTANCES = 'gce-instances-list-upcomingMaintenance';
const GCLOUD_YAML = 'gce-gcloud-upcomingMaintenance-yaml';
const GCLOUD_JSON = 'gce-gcloud-upcomingMaintenance-json';
const GKE_NODES = 'gke-node-maintenance-labels';

/** Values of the `instance/maintenance-event` metadata key; `NONE` means no maintenance, or that it ended. */
const MAINTENANCE_EVENT_VALUES: Record<string, EventKind | null> = {
  NONE: null,
  MIGRATE_ON_HOST_MAINTENANCE: 'migrate',
  TERMINATE_ON_HOST_MAINTENANCE: 'terminate',
};

/** GKE node labels and taints that mirror host maintenance on GPU and TPU nodes (GKE 1.31 and later). */
const GKE = {
  time: 'cloud.google.com/scheduled-maintenance-time',
  latest: 'cloud.google.com/scheduled-maintenance-time-latest',
  active: 'cloud.google.com/active-node-maintenance',
  termination: 'cloud.google.com/impending-node-termination',
  windowStarted: 'cloud.google.com/maintenance-window-started',
};

function metadataValue(document: NoticeDocument): string {
  return (typeof document.value === 'string' ? document.value : documentText(document)).trim();
}

function readMaintenanceEvent(document: NoticeDocument): NoticeReading {
  const value = metadataValue(document);
  if (!Object.hasOwn(MAINTENANCE_EVENT_VALUES, value)) {
    const known = Object.keys(MAINTENANCE_EVENT_VALUES).join(', ');
    throw new NoticeFormatError(`maintenance-event value '${value}' is not one of ${known}`);
  }
  const kind = MAINTENANCE_EVENT_VALUES[value];
  const events = kind
    ? [
        makeEvent(
          'gcp',
          {
            eventId: null,
            kind,
            status: 'scheduled',
            notBefore: null,
            notAfter: null,
            resources: [],
            durationSeconds: null,
            canReschedule: null,
          },
          { code: value },
        ),
      ]
    : [];
  return makeReading('gcp', MAINTENANCE_EVENT, events, document.notes);
}

function instancesOf(value: unknown): Record<string, unknown>[] | null {
  const record = asRecord(value);
  let list: unknown[] = [];
  if (Array.isArray(value)) list = value;
  else if (Array.isArray(record?.items)) list = record.items;
  else if (record) list = [record];
  const instances = list.map(asRecord).filter((item): item is Record<string, unknown> => item !== null);
  const looksLikeInstances = instances.length > 0 && instances.every((item) => typeof item.name === 'string');
  return looksLikeInstances && instances.some((item) => 'upcomingMaintenance' in item || 'resourceStatus' in item)
    ? instances
    : null;
}

function readInstances(document: NoticeDocument): NoticeReading {
  const instances = instancesOf(document.value);
  if (instances === null) throw new NoticeFormatError(`an ${INSTANCES} document is a list of instances with names`);
  const events = instances.flatMap((instance) => {
    // Instances without maintenance lack the field.
    const upcoming = findUpcomingMaintenance({
      upcomingMaintenance: instance.upcomingMaintenance,
      resourceStatus: instance.resourceStatus,
    });
    return upcoming ? [readUpcomingMaintenance(upcoming, [instance.name as string])] : [];
  });
  return makeReading('gcp', INSTANCES, events, document.notes);
}

function readUpcoming(document: NoticeDocument, format: string): NoticeReading {
  let value = document.value;
  if (format === UPCOMING_TEXT) value = parseKeyValueLines(documentText(document));
  const record = asRecord(value);
  // gcloud prints `null` and the metadata server `{ }` when nothing is scheduled.
  if (value === null || (record !== null && Object.keys(record).length === 0)) {
    return makeReading('gcp', format, [], document.notes);
  }
  const upcoming = findUpcomingMaintenance(value);
  if (upcoming) return makeReading('gcp', format, [readUpcomingMaintenance(upcoming, [])], document.notes);
  const error = asString(record?.error);
  if (error !== null) {
    // The metadata server returns an error body (with HTTP 503) until it has a notification.
    const note = `the document is an error answer ("${error}"), which announces no maintenance`;
    return makeReading('gcp', format, [], [...document.notes, note]);
  }
  throw new NoticeFormatError(`a ${format} document has window_start_time, maintenance_status or their camelCase forms`);
}

function hasGkeSignal(node: NodeView): boolean {
  const taints = node.taints ?? [];
  return (
    [GKE.time, GKE.latest, GKE.active].some((key) => key in node.labels) ||
    taints.some((taint) => taint.key === GKE.termination || taint.key === GKE.windowStarted)
  );
}

function nodeSignals(node: NodeView): VendorEvent[] {
  if (!hasGkeSignal(node)) return [];
  const warnings: string[] = [];
  const taints = node.taints ?? [];
  const terminating = taints.some((taint) => taint.key === GKE.termination);
  // The termination taint predates host maintenance: on Spot and preemptible VMs it means preemption.
  const spot = node.labels['cloud.google.com/gke-spot'] === 'true' || node.labels['cloud.google.com/gke-preemptible'] === 'true';
  const started =
    terminating || node.labels[GKE.active] === 'ONGOING' || taints.some((taint) => taint.key === GKE.windowStarted);
  const latest = readEpochSeconds(GKE.latest, node.labels[GKE.latest], warnings);
  let kind: EventKind = 'unknown';
  if (terminating) kind = spot ? 'preempt' : 'terminate';
  return [
    makeEvent(
      'gcp',
      {
        eventId: null,
        kind,
        status: started ? 'started' : 'scheduled',
        notBefore: readEpochSeconds(GKE.time, node.labels[GKE.time], warnings),
        notAfter: null,
        resources: [node.name],
        durationSeconds: null,
        canReschedule: null,
      },
      { latestStart: latest ?? undefined, warnings },
    ),
  ];
}

function detect(document: NoticeDocument): string | null {
  const value = document.value;
  if (value === undefined || typeof value === 'string') {
    if (Object.hasOwn(MAINTENANCE_EVENT_VALUES, metadataValue(document))) return MAINTENANCE_EVENT;
    const pairs = parseKeyValueLines(documentText(document));
    return pairs && isUpcomingMaintenance(pairs) ? UPCOMING_TEXT : null;
  }
  if (instancesOf(value)) return INSTANCES;
  const upcoming = findUpcomingMaintenance(value);
  if (upcoming) {
    if (isSnakeCase(upcoming)) return UPCOMING_METADATA;
    return document.syntax === 'yaml' ? GCLOUD_YAML : GCLOUD_JSON;
  }
  return detectNodes(document, hasGkeSignal) ? GKE_NODES : null;
}

function read(document: NoticeDocument, format: string): NoticeReading {
  if (format === MAINTENANCE_EVENT) return readMaintenanceEvent(document);
  if (format === INSTANCES) return readInstances(document);
  if (format === GKE_NODES) return readNodes(document, 'gcp', GKE_NODES, nodeSignals);
  return readUpcoming(document, format);
}

/** Instance name from `gce://<project>/<zone>/<instance>`. */
function instanceName(node: NodeView): string | null {
  const segments = providerIdSegments(node);
  return segments.length === 3 ? segments[2]! : null;
}

export const gcpAdapter: VendorAdapter = {
  vendor: 'gcp',
  formats: [MAINTENANCE_EVENT, UPCOMING_METADATA, UPCOMING_TEXT, INSTANCES, GCLOUD_YAML, GCLOUD_JSON, GKE_NODES],
  detect,
  read,
  topology: (node, options) => ({
    // A sub-block is the closest grouping Compute Engine publishes below a block; it names no rack.
    rack: firstLabel(node, ...(options?.rackLabel ? [options.rackLabel] : []), 'cloud.google.com/gce-topology-subblock'),
    sku: skuOf(node, 'cloud.google.com/gke-accelerator'),
    fabric: firstLabel(node, 'cloud.google.com/gce-topology-block', 'network.topology.nvidia.com/leaf'),
    nvlinkDomain: nvlinkDomainOf(node),
    instanceId: instanceName(node),
  }),
  nodeSignals,
  resourceNames: (node) => baseResourceNames(node, instanceName(node)),
};
