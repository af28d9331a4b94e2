import type { MaintenanceKind, MaintenanceScope, Vendor } from '../config/schema.js';

/** Lifecycle of a maintenance. `completed` and `cancelled` are terminal. */
export const MAINTENANCE_STATES = [
  'scheduled',
  'announced',
  'in_progress',
  'recovering',
  'completed',
  'cancelled',
] as const;
export type MaintenanceState = (typeof MAINTENANCE_STATES)[number];

/** States a maintenance leaves only by a transition; reconcile skips terminal ones. */
export const TERMINAL_STATES: readonly MaintenanceState[] = ['completed', 'cancelled'];

/**
 * Recovery state of one node in a maintenance's scope.
 *
 * - `scheduled`: not touched yet.
 * - `draining`: cordoned (and possibly draining) since the maintenance started, still Ready.
 * - `down`: NotReady, Unknown, or gone from the cluster.
 * - `returned`: back (Ready after being touched) but not validated yet.
 * - `validated`: every readiness-to-return check passes.
 * - `failed`: back, and a readiness-to-return check fails.
 */
export const NODE_STATES = ['scheduled', 'draining', 'down', 'returned', 'validated', 'failed'] as const;
export type NodeRecoveryState = (typeof NODE_STATES)[number];

/** Origin of a maintenance: the config file, the Slack form, or a vendor notice. */
export type MaintenanceSource = 'config' | 'slack' | 'notice';

export interface MaintenanceCluster {
  cluster: string;
  scope: MaintenanceScope;
}

export interface Maintenance {
  id: string;
  seq: number;
  title: string;
  kind: MaintenanceKind;
  vendor: Vendor;
  owner: string;
  clusters: MaintenanceCluster[];
  /** Planned window, ISO 8601 UTC. */
  windowStart: string;
  windowEnd: string;
  /** Whether a node counts as back only after it rebooted (boot id changed). */
  requiresReboot: boolean;
  state: MaintenanceState;
  source: MaintenanceSource;
  /** Caller-chosen key that makes creation idempotent, such as a vendor event id. */
  externalKey: string | null;
  createdBy: string;
  createdAt: string;
  updatedAt: string;
  /** When the maintenance actually entered `in_progress`, `recovering`, `completed` or `cancelled`. */
  startedAt: string | null;
  endedAt: string | null;
  closedAt: string | null;
  closedBy: string | null;
}

/** Input for a new maintenance, in the shape of a `maintenance.maintenances` config entry. */
export interface MaintenanceInput {
  id?: string;
  title: string;
  kind: MaintenanceKind;
  vendor: Vendor;
  owner: string;
  clusters: MaintenanceCluster[];
  start: string | Date;
  end: string | Date;
  /** Defaults by kind: firmware, reimage and hardware work reboot the node. */
  requiresReboot?: boolean;
}

/** One check of a readiness-to-return validation as the recovery message shows it. */
export interface StoredCheck {
  name: string;
  result: 'pass' | 'fail' | 'unknown';
  evidence: string;
  reasons: string[];
}

/** A tracked node in a maintenance's scope, as stored. */
export interface MaintenanceNode {
  maintenanceId: string;
  cluster: string;
  node: string;
  state: NodeRecoveryState;
  stateSince: string;
  /** Opaque result of `snapshotNode`, taken before the node was touched. */
  snapshot: unknown;
  snapshotAt: string | null;
  /** The node was already cordoned when first seen, so the cordon is not the maintenance's own. */
  cordonedBefore: boolean;
  /** Boot id when the snapshot was taken; a different one later proves a reboot. */
  bootIdBefore: string | null;
  /** `spec.unschedulable` as last seen. */
  cordoned: boolean;
  /** The node was cordoned, went down or rebooted since the maintenance started. */
  touched: boolean;
  gpusExpected: number;
  gpusAllocatable: number;
  sku: string | null;
  rack: string | null;
  /** The cluster's vendor, who owns the hardware. */
  vendor: string;
  instanceId: string | null;
  /** Teams whose workloads ran on the node when the blast radius was last computed. */
  teams: string[];
  verdict: 'ready' | 'not_ready' | 'unknown' | null;
  checks: StoredCheck[];
  failingCheck: string | null;
  /** Since when `failingCheck` has been the failing check without a break. */
  failingSince: string | null;
  reasons: string[];
  holds: string[];
  present: boolean;
  downAt: string | null;
  returnedAt: string | null;
  validatedAt: string | null;
  uncordonedBy: string | null;
  uncordonedAt: string | null;
  updatedAt: string;
}

/** Escalation state of a maintenance whose nodes are still not back after the window. */
export interface OverdueState {
  maintenanceId: string;
  state: 'open' | 'acknowledged' | 'snoozed' | 'resolved';
  /** 1: the owner, 2: the teams with workloads on the stuck nodes, 3: those teams' escalation groups. */
  level: number;
  openedAt: string;
  levelAt: string;
  acknowledgedBy: string | null;
  acknowledgedAt: string | null;
  snoozedUntil: string | null;
  snoozedBy: string | null;
  resolvedAt: string | null;
}

export const MAX_ESCALATION_LEVEL = 3;

const REBOOT_KINDS: readonly MaintenanceKind[] = ['firmware', 'reimage', 'hardware'];

/** Whether nodes of this kind of maintenance must reboot before they count as back. */
export function defaultRequiresReboot(kind: MaintenanceKind): boolean {
  return REBOOT_KINDS.includes(kind);
}

/** Parses `MX-12` into 12; returns null for anything else. */
export function maintenanceSeq(id: string): number | null {
  const match = /^MX-(\d+)$/.exec(id);
  return match ? Number(match[1]) : null;
}

/** Returns whether a node counts as not back, which after the window makes it escalate. */
export function isStuck(node: Pick<MaintenanceNode, 'state'>): boolean {
  return node.state !== 'validated';
}
