import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  describeReading,
  parseSchedulerMessage,
  REASON_CATEGORIES,
  readSchedulingEvent,
  type SchedulingReading,
} from '../src/k8s/scheduler-message.js';
import { readPendingPod } from '../src/k8s/scheduler-pod.js';
import { splitCountedList, splitSentences, splitTopLevel } from '../src/k8s/scheduler-text.js';

interface ExpectedReason {
  category: string;
  nodes: number | null;
  resource?: string;
  taint?: { key: string; value: string };
}

interface ExpectedReading {
  totalNodes: number | null;
  reasons: ExpectedReason[];
  preemption: { totalNodes: number; notHelpfulNodes: number; noVictimsNodes: number } | null;
}

interface MessageCase {
  id: string;
  message: string;
  notes: string | null;
  expected: ExpectedReading;
}

interface PodCase {
  id: string;
  kind: string;
  object: Record<string, unknown>;
  notes: string;
  expected: ExpectedReading & { owner: string | null; gpuRequest: number | null };
}

function readJsonl<T>(name: string): T[] {
  const text = readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8');
  return text
    .split('\n')
    .filter((line) => line.trim().length > 0)
    .map((line) => JSON.parse(line) as T);
}

/** Builds a test name from a case's notes (or its message when it has none): the first sentence, shortened. */
function caseName(notes: string | null, message: string): string {
  const source = notes ?? message;
  const sentence = source.split(/(?<=\.)\s/)[0] ?? source;
  return sentence.length > 110 ? `${sentence.slice(0, 107)}...` : sentence;
}

const reasonKey = (reason: { category: string; nodes: number | null }) => `${reason.category} x${reason.nodes ?? 'null'}`;

/**
 * Compares a reading with an expected one by the output contract: equal total, the same multiset of
 * (category, nodes), every expected resource and taint key present on a matching reason, and equal
 * preemption counts.
 */
function expectReadingMatches(actual: SchedulingReading, expected: ExpectedReading): void {
  expect(actual.totalNodes).toBe(expected.totalNodes);
  expect(actual.reasons.map(reasonKey).sort()).toEqual(expected.reasons.map(reasonKey).sort());
  for (const wanted of expected.reasons) {
    const candidates = actual.reasons.filter((reason) => reasonKey(reason) === reasonKey(wanted));
    if (wanted.resource !== undefined) {
      expect(candidates.map((reason) => reason.resource)).toContain(wanted.resource);
    }
    if (wanted.taint !== undefined) {
      expect(candidates.map((reason) => reason.taint?.key)).toContain(wanted.taint.key);
    }
  }
  if (expected.preemption === null) {
    expect(actual.preemption).toBeNull();
  } else {
    expect(actual.preemption).not.toBeNull();
    expect(actual.preemption!.totalNodes).toBe(expected.preemption.totalNodes);
    expect(actual.preemption!.notHelpfulNodes).toBe(expected.preemption.notHelpfulNodes);
    expect(actual.preemption!.noVictimsNodes).toBe(expected.preemption.noVictimsNodes);
  }
}

const messageCases = readJsonl<MessageCase>('scheduler-messages.jsonl').map((entry) => ({
  ...entry,
  name: caseName(entry.notes, entry.message),
}));

const podCases = readJsonl<PodCase>('nodes.jsonl')
  .filter((entry) => entry.kind === 'Pod')
  .map((entry) => ({ ...entry, name: caseName(entry.notes, entry.id) }));

describe('scheduler messages from real clusters', () => {
  it('fixture file is not empty', () => {
    expect(messageCases.length).toBeGreaterThan(50);
  });

  it.each(messageCases.map((entry) => [entry.name, entry] as const))('%s', (_name, { message, expected }) => {
    const reading = parseSchedulerMessage(message);
    expectReadingMatches(reading, expected);
    for (const reason of reading.reasons) expect(REASON_CATEGORIES).toContain(reason.category);
    expect(describeReading(reading).length).toBeGreaterThan(0);
  });
});

describe('pending pods from real clusters', () => {
  it('fixture file has pods', () => {
    expect(podCases.length).toBeGreaterThan(5);
  });

  it.each(podCases.map((entry) => [entry.name, entry] as const))('%s', (_name, { object, expected }) => {
    const result = readPendingPod(object);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expectReadingMatches(result.value.reading, expected);
    expect(result.value.owner).toBe(expected.owner);
    expect(result.value.gpuRequest).toBe(expected.gpuRequest);
  });
});

describe('lexical splitting', () => {
  it('keeps commas inside braces', () => {
    expect(splitTopLevel('a {b, c}, d', /,\s+/g)).toEqual(['a {b, c}', 'd']);
  });

  it('ignores unbalanced openers', () => {
    expect(splitTopLevel('a {b, c', /,\s+/g)).toEqual(['a {b', 'c']);
  });

  it('splits counted lists only before counts', () => {
    const items = splitCountedList("1 node(s) had taint {a: }, that the pod didn't tolerate, 2 Too many pods");
    expect(items).toEqual([
      { count: 1, text: "node(s) had taint {a: }, that the pod didn't tolerate" },
      { count: 2, text: 'Too many pods' },
    ]);
  });

  it('ends sentences at doubled periods once', () => {
    expect(splitSentences('a nvidia.com/gpu.. b 1.5 c., d.')).toEqual(['a nvidia.com/gpu', 'b 1.5 c', 'd']);
  });
});

describe('kube-scheduler grammar', () => {
  it('reads the 1.3 per-node lines as counts', () => {
    const reading = parseSchedulerMessage(
      'pod (nginx) failed to fit in any node\n' +
        'fit failure on node (node-1): Insufficient CPU\n' +
        "fit failure on node (node-2): Node didn't have enough resource: CPU, requested: 1000, used: 1420, capacity: 2000\n" +
        'fit failure on node (node-3): MatchNodeSelector, PodFitsHostPorts',
    );
    expect(reading.form).toBe('legacy-fit-failure');
    expect(reading.totalNodes).toBeNull();
    expect(reading.reasons.map((reason) => [reason.category, reason.nodes, reason.resource])).toEqual([
      ['insufficient_resource', 2, 'cpu'],
      ['node_affinity', 1, undefined],
      ['ports', 1, undefined],
    ]);
  });

  it('reads a PreFilter message without a count', () => {
    const reading = parseSchedulerMessage(
      '0/3 nodes are available: persistentvolumeclaim "data-0" not found. preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling.',
    );
    expect(reading.totalNodes).toBe(3);
    expect(reading.reasons).toEqual([{ category: 'volume_binding', nodes: null, text: 'persistentvolumeclaim "data-0" not found' }]);
    expect(reading.preemption?.notHelpfulNodes).toBe(3);
  });

  it('reads preemptionPolicy=Never as not eligible', () => {
    const reading = parseSchedulerMessage(
      '0/1 nodes are available: 1 Insufficient cpu. no new claims to deallocate, preemption: not eligible due to preemptionPolicy=Never.',
    );
    expect(reading.preemption).toMatchObject({ totalNodes: 1, notHelpfulNodes: 0, noVictimsNodes: 0, eligible: false });
    expect(reading.notes).toEqual(['no new claims to deallocate']);
  });

  it('keeps reasons the preemption dry run lists apart', () => {
    const reading = parseSchedulerMessage(
      '0/36 nodes are available: 3 node(s) were unschedulable, 33 Insufficient nvidia.com/gpu. preemption: 0/36 nodes are available: 1 Insufficient nvidia.com/gpu, 3 Preemption is not helpful for scheduling, 32 No preemption victims found for incoming pod..',
    );
    expect(reading.reasons).toHaveLength(2);
    expect(reading.preemption?.reasons.map((reason) => [reason.category, reason.nodes])).toEqual([['insufficient_resource', 1]]);
  });

  it('reads plugin lists in brackets', () => {
    const reading = parseSchedulerMessage(
      "0/7 nodes are available: 1 node(s) didn't have free ports for the requested pod ports, 6 node(s) didn't satisfy plugin(s) [NodeAffinity]",
    );
    expect(reading.reasons[1]).toMatchObject({ category: 'node_affinity', nodes: 6, plugin: 'NodeAffinity' });
  });

  it('reads node lifecycle taints as their own categories', () => {
    const reading = parseSchedulerMessage(
      '0/4 nodes are available: 1 node(s) had untolerated taint {node.kubernetes.io/unreachable: }, 1 node(s) had untolerated taint {node.kubernetes.io/memory-pressure: }, 1 node(s) had untolerated taint {node.kubernetes.io/unschedulable: }, 1 node(s) had untolerated taint {maintenance.example.com/nic: in-progress}.',
    );
    expect(reading.reasons.map((reason) => reason.category)).toEqual(['node_not_ready', 'node_pressure', 'unschedulable', 'untolerated_taint']);
    expect(reading.reasons[3]!.taint).toEqual({ key: 'maintenance.example.com/nic', value: 'in-progress' });
  });

  it('reads the 1.2 single-predicate form', () => {
    const reading = parseSchedulerMessage('Failed for reason PodExceedsFreeCPU and possibly others');
    expect(reading.reasons).toEqual([{ category: 'insufficient_resource', nodes: null, resource: 'cpu', text: 'PodExceedsFreeCPU' }]);
  });

  it('reads a quoted empty taint value', () => {
    const reading = parseSchedulerMessage('0/4 nodes are available: 4 node(s) had untolerated taint {node-role.kubernetes.io/control-plane: ""}');
    expect(reading.reasons[0]!.taint).toEqual({ key: 'node-role.kubernetes.io/control-plane', value: '' });
  });

  it('reads predicate-era condition wording', () => {
    const reading = parseSchedulerMessage('0/3 nodes are available: 1 node(s) had disk pressure, 2 node(s) were not ready.');
    expect(reading.reasons.map(reasonKey)).toEqual(['node_pressure x1', 'node_not_ready x2']);
  });

  it('reads extended resource names whole', () => {
    const reading = parseSchedulerMessage('0/2 nodes are available: 2 Insufficient rdma/rdma_shared_device_a, 1 Insufficient hugepages-1Gi.');
    expect(reading.reasons.map((reason) => reason.resource)).toEqual(['rdma/rdma_shared_device_a', 'hugepages-1Gi']);
  });
});

describe('message frames', () => {
  it('strips a describe event line', () => {
    const reading = parseSchedulerMessage(
      '  Warning  FailedScheduling  40s (x2 over 40s)  default-scheduler  0/2 nodes are available: 1 Insufficient nvidia.com/gpu, 1 node(s) were unschedulable.',
    );
    expect(reading.totalNodes).toBe(2);
    expect(reading.reasons.map(reasonKey)).toEqual(['insufficient_resource x1', 'unschedulable x1']);
  });

  it('reads the err field of a klog line', () => {
    const reading = parseSchedulerMessage(
      'I0612 10:00:00.000000 1 schedule_one.go:1050] "Unable to schedule pod; no fit; waiting" pod="default/gpu-pod" err="0/2 nodes are available: 2 Insufficient nvidia.com/gpu. preemption: 0/2 nodes are available: 2 No preemption victims found for incoming pod."',
    );
    expect(reading.pod).toBe('default/gpu-pod');
    expect(reading.reasons.map(reasonKey)).toEqual(['insufficient_resource x2']);
    expect(reading.preemption?.noVictimsNodes).toBe(2);
  });

  it('marks a note cut at the event limit', () => {
    const reading = parseSchedulerMessage('0/100 nodes are available: 50 Insufficient nvidia.com/gpu, 50 node(s) were unschedulable. preemption: 0/100 nodes are ...');
    expect(reading.truncated).toBe(true);
    expect(reading.reasons).toHaveLength(2);
  });

  it('rejoins a message folded across lines', () => {
    const reading = parseSchedulerMessage('0/2 nodes are available: 1 cannot allocate all claims,\n  1 node(s) didn\'t match Pod\'s node affinity/selector.\n  still not schedulable');
    expect(reading.reasons.map(reasonKey)).toEqual(['insufficient_resource x1', 'node_affinity x1']);
    expect(reading.notes).toEqual(['still not schedulable']);
  });
});

describe('other components', () => {
  it('reads Kueue reasons with commas inside', () => {
    const reading = parseSchedulerMessage(
      "couldn't assign flavors to pod set main: insufficient unused quota for cpu in flavor a100, 2 more needed, insufficient unused quota for memory in flavor a100, 2Gi more needed",
    );
    expect(reading.reasons.map((reason) => [reason.category, reason.resource, reason.flavor])).toEqual([
      ['quota', 'cpu', 'a100'],
      ['quota', 'memory', 'a100'],
    ]);
  });

  it('reads each Kueue pod set', () => {
    const reading = parseSchedulerMessage(
      "couldn't assign flavors to pod set master: insufficient unused quota for nvidia.com/gpu in flavor h100, 8 more needed; couldn't assign flavors to pod set worker: insufficient quota for nvidia.com/gpu in flavor h100, request > maximum capacity (16 > 8)",
    );
    expect(reading.reasons.map((reason) => [reason.category, reason.resource, reason.podSet])).toEqual([
      ['quota', 'nvidia.com/gpu', 'master'],
      ['quota', 'nvidia.com/gpu', 'worker'],
    ]);
  });

  it('reads a Kueue taint with its effect', () => {
    const reading = parseSchedulerMessage(
      "couldn't assign flavors to pod set main: flavor a100 doesn't match node affinity, untolerated taint nvidia.com/gpu=present:NoSchedule in flavor h100",
    );
    expect(reading.reasons[1]!.taint).toEqual({ key: 'nvidia.com/gpu', value: 'present', effect: 'NoSchedule' });
    expect(describeReading(reading)).toContain('flavor h100 has taint nvidia.com/gpu=present:NoSchedule that the pod does not tolerate');
  });

  it('picks the quota resource over its limit', () => {
    const reading = parseSchedulerMessage(
      'pods "train-0" is forbidden: exceeded quota: gpu-quota, requested: requests.cpu=1,requests.nvidia.com/gpu=2, used: requests.cpu=1,requests.nvidia.com/gpu=7, limited: requests.cpu=64,requests.nvidia.com/gpu=8',
    );
    expect(reading.pod).toBe('train-0');
    expect(reading.reasons).toHaveLength(1);
    expect(reading.reasons[0]).toMatchObject({ category: 'quota', nodes: null, resource: 'nvidia.com/gpu' });
    expect(reading.reasons[0]!.quota?.exceeded).toEqual(['requests.nvidia.com/gpu']);
  });

  it('counts autoscaler node groups', () => {
    const reading = parseSchedulerMessage(
      'pod didn\'t trigger scale-up: 1 max node group size reached, 2 node(s) had untolerated taint {dedicated: gpu}, 1 not ready for scale-up',
    );
    expect(reading.component).toBe('cluster-autoscaler');
    expect(reading.reasons.map(reasonKey)).toEqual(['autoscaler x1', 'untolerated_taint x2', 'autoscaler x1']);
    expect(describeReading(reading)).toContain('2 node groups have taint dedicated=gpu that the pod does not tolerate');
  });

  it('reads Karpenter reasons per NodePool', () => {
    const reading = parseSchedulerMessage(
      'Failed to schedule pod, incompatible with nodepool "system", daemonset overhead={"cpu":"821m","pods":"10"}, incompatible requirements, label "nvidia.com/device-plugin.config" does not have known values; incompatible with nodepool "gpu", daemonset overhead={"cpu":"1"}, did not tolerate nvidia.com/gpu=present:NoSchedule; all available instance types exceed limits for nodepool "spare"',
    );
    expect(reading.component).toBe('karpenter');
    expect(reading.reasons.map((reason) => [reason.category, reason.nodePool])).toEqual([
      ['node_affinity', 'system'],
      ['untolerated_taint', 'gpu'],
      ['autoscaler', 'spare'],
    ]);
  });

  it('adds node reasons a gang message embeds', () => {
    const reading = parseSchedulerMessage(
      '2/2 tasks in gang unschedulable: pod group is not ready, 2 Pending, 2 minAvailable; Pending: 2 Unschedulable; 0/3 nodes are unavailable: 3 Insufficient nvidia.com/gpu.',
    );
    expect(reading.totalNodes).toBe(3);
    expect(reading.reasons.map(reasonKey)).toEqual(['gang_or_queue xnull', 'insufficient_resource x3']);
  });

  it('keeps unknown text as one other reason', () => {
    const reading = parseSchedulerMessage('Post "http://127.0.0.1:8888/filter": dial tcp 127.0.0.1:8888: connect: connection refused');
    expect(reading.reasons).toEqual([
      { category: 'other', nodes: null, text: 'Post "http://127.0.0.1:8888/filter": dial tcp 127.0.0.1:8888: connect: connection refused' },
    ]);
  });
});

describe('plain words', () => {
  it('describes cordons, missing GPUs and taints', () => {
    const lines = describeReading(
      parseSchedulerMessage(
        '0/33 nodes are available: 24 node(s) were unschedulable, 8 Insufficient nvidia.com/gpu, 1 node(s) had untolerated taint {nvidia.com/gpu: present}.',
      ),
    );
    expect(lines).toEqual([
      'none of the 33 nodes can run the pod',
      '24 nodes are cordoned',
      '8 nodes lack nvidia.com/gpu',
      '1 node has taint nvidia.com/gpu=present that the pod does not tolerate',
    ]);
  });

  it('says when counts overlap or fall short', () => {
    expect(describeReading(parseSchedulerMessage('0/6 nodes are available: 3 node(s) didn\'t match node selector, 6 Insufficient nvidia.com/gpu.'))).toContain(
      'the counts add up to 9, more than 6, because a node can fail several checks',
    );
    expect(describeReading(parseSchedulerMessage('0/9 nodes are available: 8 node(s) didn\'t have free ports for the requested pod ports.'))).toContain(
      '1 node rejected the pod without a listed reason',
    );
  });
});

describe('scheduling events', () => {
  it('reads a core/v1 event', () => {
    const event = readSchedulingEvent({
      kind: 'Event',
      reason: 'FailedScheduling',
      message: '0/2 nodes are available: 2 Insufficient nvidia.com/gpu.',
      involvedObject: { kind: 'Pod', namespace: 'ml', name: 'train-0' },
      source: { component: 'default-scheduler' },
      count: 4,
      lastTimestamp: '2024-05-01T10:00:00Z',
    });
    expect(event.object).toBe('Pod/ml/train-0');
    expect(event.component).toBe('default-scheduler');
    expect(event.count).toBe(4);
    expect(event.lastSeen).toBe('2024-05-01T10:00:00Z');
    expect(event.reading.reasons.map(reasonKey)).toEqual(['insufficient_resource x2']);
  });

  it('reads an events.k8s.io/v1 event', () => {
    const event = readSchedulingEvent({
      apiVersion: 'events.k8s.io/v1',
      kind: 'Event',
      reason: 'FailedScheduling',
      note: '0/1 nodes are available: 1 node(s) were unschedulable.',
      regarding: { kind: 'Pod', namespace: 'ml', name: 'train-1' },
      reportingController: 'default-scheduler',
      series: { count: 7, lastObservedTime: '2024-05-01T11:00:00Z' },
      deprecatedCount: 0,
    });
    expect(event.object).toBe('Pod/ml/train-1');
    expect(event.component).toBe('default-scheduler');
    expect(event.count).toBe(7);
    expect(event.lastSeen).toBe('2024-05-01T11:00:00Z');
    expect(event.reading.reasons.map(reasonKey)).toEqual(['unschedulable x1']);
  });

  it('rejects an event without a message', () => {
    expect(() => readSchedulingEvent({ kind: 'Event', reason: 'FailedScheduling' })).toThrow(/neither "message"/);
  });
});
