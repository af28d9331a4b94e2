import type { V1Pod } from '@kubernetes/client-node';
import { parseSchedulerMessage, type SchedulingReading } from './scheduler-message.js';
import { gpuRequest, toPodView } from './views.js';

/** A pending pod with the reading of its PodScheduled=False message. */
export interface PendingPodReading {
  /** `namespace/name`. */
  pod: string;
  /** The controller owner reference as `Kind/name` (a ReplicaSet stays a ReplicaSet), `null` without one. */
  owner: string | null;
  /** GPUs the pod requests, or `null` when the object shows no container resources to count them from. */
  gpuRequest: number | null;
  /** The PodScheduled condition's reason (`Unschedulable`, `SchedulerError`, `SchedulingGated`). */
  conditionReason: string | null;
  reading: SchedulingReading;
}

/** Reason a pod has nothing to explain. */
export type PodSkipReason = 'scheduled' | 'no PodScheduled condition' | 'PodScheduled=False without a message';

export type PodReadingResult = { ok: true; value: PendingPodReading } | { ok: false; pod: string; skipped: PodSkipReason };

type PodLike = V1Pod | Record<string, unknown>;

function controllerOwner(pod: V1Pod): string | null {
  const references = pod.metadata?.ownerReferences ?? [];
  const owner = references.find((reference) => reference.controller) ?? references[0];
  return owner ? `${owner.kind}/${owner.name}` : null;
}

/**
 * Counts GPUs only where the object shows container resources at all, because a pasted manifest cut
 * before `resources` gives no request, which is not the same as requesting none.
 */
function shownGpuRequest(pod: V1Pod, podLike: PodLike): number | null {
  const containers = [...(pod.spec?.containers ?? []), ...(pod.spec?.initContainers ?? [])];
  const shown = containers.some((container) => container.resources?.requests !== undefined || container.resources?.limits !== undefined);
  return shown ? gpuRequest(toPodView(podLike)) : null;
}

/**
 * Reads a Pod (as the client library decodes it or as `kubectl get -o json` prints it) into the
 * reading of its PodScheduled=False condition message. The condition contains the full text, where
 * events are cut at 1024 bytes.
 */
export function readPendingPod(podLike: PodLike): PodReadingResult {
  const pod = podLike as V1Pod;
  const view = toPodView(podLike);
  const name = `${view.namespace}/${view.name}`;
  if (view.scheduled === null) return { ok: false, pod: name, skipped: 'no PodScheduled condition' };
  if (view.scheduled.status !== 'False') return { ok: false, pod: name, skipped: 'scheduled' };
  const message = view.scheduled.message?.trim();
  if (!message) return { ok: false, pod: name, skipped: 'PodScheduled=False without a message' };
  return {
    ok: true,
    value: {
      pod: name,
      owner: controllerOwner(pod),
      gpuRequest: shownGpuRequest(pod, podLike),
      conditionReason: view.scheduled.reason,
      reading: parseSchedulerMessage(message),
    },
  };
}
