import type { Vendor } from '../config/schema.js';
import type { NodeView } from '../k8s/views.js';

/** Effect of an event on the machines it names, in one vocabulary across vendors. */
export const EVENT_KINDS = [
  'reboot',
  'redeploy',
  'freeze',
  'preempt',
  'terminate',
  'migrate',
  'retirement',
  'stop',
  'unknown',
] as const;
export type EventKind = (typeof EVENT_KINDS)[number];

export const EVENT_STATUSES = ['scheduled', 'started', 'completed', 'cancelled', 'unknown'] as const;
export type EventStatus = (typeof EVENT_STATUSES)[number];

/**
 * One maintenance event a vendor announced, normalised across vendors. Times are ISO 8601 UTC
 * (`2026-04-11T22:26:58Z`), and `null` means the notice did not state the value or stated it in a form
 * that could not be read (then `warnings` names the field).
 *
 * The first nine fields are always present, in this order; the others appear only when the notice
 * carries them.
 */
export interface VendorEvent {
  vendor: Vendor;
  /** The vendor's id for the event; compare case-insensitively, because Azure sends GUIDs in either case. */
  eventId: string | null;
  kind: EventKind;
  status: EventStatus;
  notBefore: string | null;
  notAfter: string | null;
  /** Machines the event names, as the vendor names them (VM names, instance ids, OCIDs, node names). */
  resources: string[];
  /** Expected impact in seconds; `null` when unknown (Azure `-1`) or not stated. */
  durationSeconds: number | null;
  /** `null` when the notice does not say whether the start may be moved. */
  canReschedule: boolean | null;
  /** The vendor's own name for the event type, such as `Freeze`, `system-reboot` or an AWS Health type code. */
  code?: string;
  description?: string;
  /** Initiator of the event: Azure `EventSource` (`Platform`, `User`) or OCI `createdBy`. */
  source?: string;
  /** Latest time the vendor lets the start move to (GCP latest window start, AWS `NotBeforeDeadline`). */
  latestStart?: string | null;
  /** Causes the vendor gives for the work, such as GCP `PLANNED_UPDATE` or `FAILURE_GPU`. */
  reasons?: string[];
  /** OCI `maintenanceCategory`, such as `FLEXIBLE`. */
  category?: string | null;
  /** OCI `maintenanceReason`, such as `HARDWARE_REPLACEMENT`. */
  reason?: string | null;
  /** Key shared by events that must be scheduled together (OCI `correlationToken`); `null` when the group is empty. */
  correlationToken?: string | null;
  /** Status of each resource, where the vendor reports it apart from the event's (AWS Health affected entities). */
  perResourceStatus?: Record<string, EventStatus>;
  /** Values of this event that could not be read, each naming the field and the value. */
  warnings?: string[];
}

/** Events a notice document announced, and the parts of it that could not be read. */
export interface NoticeReading {
  vendor: Vendor;
  format: string;
  events: VendorEvent[];
  /** Parts of the document that could not be read, or were read only after a repair; empty for a clean read. */
  notes: string[];
  /** Version counter of the whole document (Azure `DocumentIncarnation`), when it has a numeric one. */
  incarnation?: number;
}

/**
 * A notice as it arrived, decoded once for every adapter's detector. `value` is the JSON (or YAML) value
 * when the text parses as one, possibly after a repair that `notes` describes, and undefined otherwise;
 * `text` is the raw text when the notice arrived as text.
 */
export interface NoticeDocument {
  text: string | null;
  value: unknown;
  /** How `value` was obtained: `value` when the caller passed an already parsed document. */
  syntax: 'json' | 'yaml' | 'text' | 'value';
  notes: string[];
}

/** Facts from outside a notice that help read it. */
export interface ReadOptions {
  /**
   * The node or instance the notice was read on. Events that name no resource (instance metadata responses,
   * node-problem-detector messages) get it as their only resource.
   */
  resource?: string;
  /** Reason of the Kubernetes event or condition that carried the message, such as `RebootScheduled`. */
  reason?: string;
  /**
   * The time the notice is read at. AWS reports upcoming and running events both as `active`; with `now`
   * an active event whose start has passed reads as `started`, without it as `scheduled`.
   */
  now?: Date;
}

/** Where a node sits and what it is, from its labels and provider id. */
export interface NodeTopology {
  rack: string | null;
  /** GPU product or instance type. */
  sku: string | null;
  /** Network block or leaf switch group the node attaches to. */
  fabric: string | null;
  nvlinkDomain: string | null;
  /** The vendor's instance id or VM name, from `spec.providerID`. */
  instanceId: string | null;
}

/**
 * One vendor's notice formats, topology labels and node signals. Adding a vendor means adding one of
 * these to `src/vendors/index.ts`.
 */
export interface VendorAdapter {
  vendor: Vendor;
  /** Names of the notice formats `read` accepts. */
  formats: string[];
  /** Returns the format of a document this adapter can read, or null. */
  detect(document: NoticeDocument): string | null;
  /** Reads a document in one of `formats`; throws when the document is not of that format at all. */
  read(document: NoticeDocument, format: string, options: ReadOptions): NoticeReading;
  /** Reads topology labels; `rackLabel` overrides the adapter's rack label. */
  topology(node: NodeView, options?: { rackLabel?: string }): NodeTopology;
  /** Maintenance announced through the node's labels, taints or conditions. */
  nodeSignals(node: NodeView): VendorEvent[];
  /** Names a notice of this vendor may use for the node: node name, hostname, instance id, VM name. */
  resourceNames(node: NodeView): string[];
}

/** A notice option that can settle a {@link NoticeFormatError}; each caller spells it its own way. */
export type NoticeOptionName = 'vendor' | 'format';

/** Raised when a document is not a notice of any known format, or not of the format the caller named. */
export class NoticeFormatError extends Error {
  constructor(
    message: string,
    /** Options that would settle the error when given, such as the vendor of an ambiguous notice. */
    readonly settledBy: readonly NoticeOptionName[] = [],
  ) {
    super(message);
    this.name = 'NoticeFormatError';
  }

  /** Returns the message followed by the options to give, as `spell` writes them: `--vendor` or `?vendor=`. */
  withOptions(spell: (option: NoticeOptionName) => string): string {
    if (this.settledBy.length === 0) return this.message;
    return `${this.message}. Name the ${this.settledBy.join(' and ')} with ${this.settledBy.map(spell).join(' and ')}`;
  }
}
