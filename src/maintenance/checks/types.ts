import type { ValidationConfig } from '../../config/schema.js';
import type { NodeConditionView, NodeTaint, NodeView, PodView } from '../../k8s/views.js';

/** Outcome of one check: `unknown` means the object lacks the evidence the check needs, or it is too early to tell. */
export type CheckResult = 'pass' | 'fail' | 'unknown';

/** One readiness-to-return check with the evidence behind its result. */
export interface ValidationCheck {
  name: string;
  result: CheckResult;
  /** A sentence a person can act on, such as "nvidia.com/gpu allocatable 7, was 8 before the maintenance". */
  evidence: string;
  /** Machine-readable causes of a `fail` or `unknown`, such as `gpu_allocatable_short`; empty on `pass`. */
  reasons: string[];
}

/** Allocatable and capacity of one extended resource; `null` where the object did not show it. */
export interface ResourceAmount {
  allocatable: number | null;
  capacity: number | null;
}

/**
 * A node's state before a maintenance, the baseline the validation after it compares against. Plain JSON, so the
 * maintenance tracker can store it as it is.
 */
export interface NodeSnapshot {
  version: 1;
  name: string;
  cluster: string;
  /** When the snapshot was taken, or the node's last Ready heartbeat when the caller gave no time. */
  takenAt: string | null;
  bootId: string | null;
  providerId: string | null;
  /** Whether the node was cordoned; `null` when the object did not show it. */
  unschedulable: boolean | null;
  /** `null` when the object did not show its taints. */
  taints: { key: string; value: string; effect: string }[] | null;
  /** Whether the node had GPUs: a GPU resource, or GPU feature discovery and GPU operator labels. */
  gpuNode: boolean;
  /** GPU extended resources (`nvidia.com/gpu`, `nvidia.com/gpu.shared`, `nvidia.com/mig-*`, `amd.com/gpu`). */
  gpu: Record<string, ResourceAmount>;
  /** Configured RDMA resources and resources whose names mark them as RDMA devices. */
  rdma: Record<string, ResourceAmount>;
  /** Label `nvidia.com/gpu.product`. */
  gpuProduct: string | null;
  /** Label `nvidia.com/gpu.count`. */
  gpuCount: number | null;
  /** Labels `nvidia.com/gpu.deploy.<operand>`, so an operand disabled on purpose before stays accepted after. */
  operandLabels: Record<string, string>;
  /** Rack, fabric, NVLink-domain and zone labels. */
  topology: Record<string, string>;
}

/** Result of {@link validateNode}. */
export interface NodeValidation {
  name: string;
  /** `not_ready` when any check fails, else `unknown` when any check is unknown, else `ready`. */
  verdict: 'ready' | 'not_ready' | 'unknown';
  checks: ValidationCheck[];
  /** Reasons of the failing checks when not ready, of the unknown checks when unknown; empty when ready. */
  reasons: string[];
  /** Taints, labels and annotations by which other controllers or people hold the node, as `owner: what`. */
  holds: string[];
}

/** Facts about the maintenance the node went through. */
export interface MaintenanceFacts {
  startedAt?: string | null;
  requiresReboot?: boolean;
}

export interface ValidationInput {
  config: ValidationConfig;
  before?: NodeSnapshot | null;
  /** Pods on this node, such as GPU operator validators and operands; omitted when the caller has none. */
  pods?: PodView[];
  maintenance?: MaintenanceFacts;
  /** When the node came back from the maintenance; the soak period counts from here. */
  returnedAt?: string | null;
  now: Date;
}

/** Everything a check reads, with the derived times computed once. Times are epoch milliseconds. */
export interface CheckContext {
  node: NodeView;
  config: ValidationConfig;
  before: NodeSnapshot | null;
  /** `null` when the caller gave no pods; `[]` when the node has none. */
  pods: PodView[] | null;
  requiresReboot: boolean;
  maintenanceStartedAt: number | null;
  returnedAt: number | null;
  now: number;
  /**
   * Whether the object is an excerpt (no `metadata.creationTimestamp`, which every object from the API server has).
   * An excerpt proves what it shows, not what it leaves out: an empty spec there does not mean "not cordoned".
   */
  excerpt: boolean;
  /** `spec.unschedulable`, or `null` where the object does not prove it. */
  unschedulable: boolean | null;
  /** Taints, or `null` where the object does not prove the list. */
  taints: NodeTaint[] | null;
  ready: NodeConditionView | null;
  readyTrue: boolean;
  /** Whether the boot id differs from the snapshot's; `null` when either is missing. */
  rebooted: boolean | null;
  /** When the node came back up: `returnedAt`, else the Ready transition after a boot id change. */
  cameUpAt: number | null;
  /** Conditions count only when reported after this time: the node's return, else the maintenance start. */
  reportsAfter: number | null;
  /**
   * Whether the node came up less than {@link SETTLE_MS} ago. Device plugins, RDMA interfaces and GPU operator
   * pods are expected to be missing then, so their absence is `unknown` rather than `fail`.
   */
  settling: boolean;
  /** When the node became Ready last (or came back), the start of the settle window. */
  upSince: number | null;
}

/**
 * Time after a node comes up during which missing RDMA devices, GPUs or GPU operator pods count as not settled yet,
 * because RDMA interfaces, device plugins and driver containers register minutes after the kubelet is Ready.
 * NOTE: ten minutes is an estimate and is not configurable yet; a driver container that compiles may take longer.
 */
export const SETTLE_MS = 10 * 60_000;
