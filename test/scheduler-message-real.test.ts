import { describe, expect, it } from 'vitest';
import { describeReading, parseSchedulerMessage, REASON_CATEGORIES, type SchedulingReading } from '../src/k8s/scheduler-message.js';

/** An expected reason: category, count, and the resource or taint key where the message names one. */
type Expected = [category: string, nodes: number | null, detail?: string];

interface Case {
  message: string;
  totalNodes: number | null;
  reasons: Expected[];
  preemption?: [totalNodes: number, notHelpful: number, noVictims: number] | null;
  component?: string;
  pod?: string;
}

function reasonKey(reason: { category: string; nodes: number | null }): string {
  return `${reason.category} x${reason.nodes ?? 'null'}`;
}

/** Checks a reading the way the explain output contract compares them, plus component and pod where given. */
function expectReading(reading: SchedulingReading, expected: Case): void {
  expect(reading.totalNodes).toBe(expected.totalNodes);
  expect(reading.reasons.map(reasonKey).sort()).toEqual(expected.reasons.map(([category, nodes]) => reasonKey({ category, nodes })).sort());
  for (const [category, nodes, detail] of expected.reasons) {
    if (detail === undefined) continue;
    const details = reading.reasons
      .filter((reason) => reason.category === category && reason.nodes === nodes)
      .flatMap((reason) => [reason.resource, reason.taint?.key]);
    expect(details).toContain(detail);
  }
  if (expected.preemption !== undefined) {
    const preemption = reading.preemption && [reading.preemption.totalNodes, reading.preemption.notHelpfulNodes, reading.preemption.noVictimsNodes];
    expect(preemption).toEqual(expected.preemption);
  }
  if (expected.component !== undefined) expect(reading.component).toBe(expected.component);
  if (expected.pod !== undefined) expect(reading.pod).toBe(expected.pod);
  for (const reason of reading.reasons) expect(REASON_CATEGORIES).toContain(reason.category);
  expect(describeReading(reading).length).toBeGreaterThan(0);
}

function runCases(cases: Case[]): void {
  it.each(cases.map((entry) => [entry.message.slice(0, 90), entry] as const))('%s', (_name, entry) => {
    expectReading(parseSchedulerMessage(entry.message), entry);
  });
}

describe('log line prefixes', () => {
  runCases([
    {
      message:
        "I0211 15:35:46.498813       1 scale_up.go:288] Pod restic-2r6cr can't be scheduled on eks-d6bf7003-b4ee-d0a4-ad23-a23ac5c64c8e, predicate checking error: node(s) didn't match Pod's node affinity; predicateName=NodeAffinity; reasons: node(s) didn't match Pod's node affinity; debugInfo=",
      totalNodes: null,
      reasons: [['node_affinity', null]],
      component: 'cluster-autoscaler',
    },
    {
      message:
        '2023-08-15T19:20:25.263406739+08:00 stderr F I0815 11:20:25.263257       1 schedule_one.go:826] "Unable to schedule pod; no fit; waiting" pod="test-the-oss/minio-1" err="0/12 nodes are available: 1 node(s) had untolerated taint {node.kubernetes.io/unreachable: }, 3 node(s) didn\'t match pod anti-affinity rules, 8 node(s) didn\'t match Pod\'s node affinity/selector. preemption: 0/12 nodes are available: 3 No preemption victims found for incoming pod, 9 Preemption is not helpful for scheduling."',
      totalNodes: 12,
      reasons: [
        ['node_not_ready', 1, 'node.kubernetes.io/unreachable'],
        ['pod_anti_affinity', 3],
        ['node_affinity', 8],
      ],
      preemption: [12, 9, 3],
      pod: 'test-the-oss/minio-1',
    },
    {
      message:
        "2024-05-30T19:21:01Z [Normal] pod didn't trigger scale-up: 1 node(s) had untolerated taint {k8s.dask.org/dedicated: worker}, 8 node(s) didn't match Pod's node affinity/selector",
      totalNodes: null,
      reasons: [
        ['untolerated_taint', 1, 'k8s.dask.org/dedicated'],
        ['node_affinity', 8],
      ],
      component: 'cluster-autoscaler',
    },
    {
      message:
        "2024-05-30T19:20:55.211199Z [Warning] 0/1 nodes are available: 1 node(s) didn't match Pod's node affinity/selector. preemption: 0/1 nodes are available: 1 Preemption is not helpful for scheduling..",
      totalNodes: 1,
      reasons: [['node_affinity', 1]],
      preemption: [1, 1, 0],
    },
  ]);

  it('keeps no log prefix in the notes', () => {
    const reading = parseSchedulerMessage(
      "2024-05-30T19:20:55.211199Z [Warning] 0/1 nodes are available: 1 node(s) didn't match Pod's node affinity/selector.",
    );
    expect(reading.notes).toEqual([]);
  });
});

describe('scheduler log forms', () => {
  runCases([
    {
      message:
        'I0815 06:07:53.668985       1 factory.go:462] Unable to schedule default/pv-recycler3: no fit: 0/1 nodes are available: 1 no enough nodes.; waiting',
      totalNodes: 1,
      reasons: [['other', 1]],
      pod: 'default/pv-recycler3',
    },
    {
      message:
        "I0624 06:58:29.386239       1 factory.go:462] Unable to schedule default/web-1: no fit: 0/4 nodes are available: 2 Insufficient cpu, 2 node(s) didn't match node selector.; waiting",
      totalNodes: 4,
      reasons: [
        ['insufficient_resource', 2, 'cpu'],
        ['node_affinity', 2],
      ],
      pod: 'default/web-1',
    },
  ]);

  it('drops the waiting suffix from the last reason', () => {
    const reading = parseSchedulerMessage(
      "I0624 06:58:29.386239       1 factory.go:462] Unable to schedule default/web-1: no fit: 0/4 nodes are available: 2 Insufficient cpu, 2 node(s) didn't match node selector.; waiting",
    );
    expect(reading.reasons[1]!.text).toBe("node(s) didn't match node selector");
    expect(reading.notes).toEqual([]);
  });
});

describe('event recorder log lines', () => {
  runCases([
    {
      message:
        'I0910 18:42:33.914842       1 event.go:281] Event(v1.ObjectReference{Kind:"Pod", Namespace:"test", Name:"test-69c4886596-pssfj", UID:"bb1cd249-0fd3-42b9-bc01-f22b0bbafa64", APIVersion:"v1", ResourceVersion:"11897361", FieldPath:""}): type: \'Normal\' reason: \'NotTriggerScaleUp\' pod didn\'t trigger scale-up (it wouldn\'t fit if a new node is added): 1 node(s) didn\'t match node selector',
      totalNodes: null,
      reasons: [['node_affinity', 1]],
      component: 'cluster-autoscaler',
      pod: 'test/test-69c4886596-pssfj',
    },
    {
      message:
        'I1002 11:03:26.504202       1 factory.go:33] Event(v1.ObjectReference{Kind:"Pod", Namespace:"production", Name:"myapp-server-0", UID:"7a8d1128-c62b-11e8-9f1f-066d51fa4852", APIVersion:"v1", ResourceVersion:"6206696", FieldPath:""}): type: \'Normal\' reason: \'NotTriggerScaleUp\' pod didn\'t trigger scale-up (it wouldn\'t fit if a new node is added)',
      totalNodes: null,
      reasons: [['autoscaler', null]],
      component: 'cluster-autoscaler',
      pod: 'production/myapp-server-0',
    },
  ]);
});

describe('event recorder log lines before 1.6', () => {
  runCases([
    {
      message:
        'I0708 00:50:09.896511      10 event.go:203] Event(api.ObjectReference{Kind:"Pod", Namespace:"kube-system", Name:"monitoring-heapster-v5-ss0e0", UID:"48a602f3-250b-11e5-a4f0-42010af00ca3", APIVersion:"v1", ResourceVersion:"1122", FieldPath:""}): reason: \'failedScheduling\' Failed for reason PodExceedsFreeCPU and possibly others',
      totalNodes: null,
      reasons: [['insufficient_resource', null, 'cpu']],
      pod: 'kube-system/monitoring-heapster-v5-ss0e0',
    },
  ]);
});

describe('event table columns', () => {
  runCases([
    {
      message: 'Warning  FilteringFailed   67s   hami-scheduler  no available node, 3 nodes do not meet',
      totalNodes: null,
      reasons: [['other', null]],
    },
    {
      message: 'Normal   Nominated         108s (x12 over 24m)  karpenter          Pod should schedule on: nodeclaim/default-cvkcv, node/ip-10-199-71-41.ec2.internal',
      totalNodes: null,
      reasons: [],
      component: 'karpenter',
    },
    {
      message: "1m\t\t29s\t\t7\t{scheduler }\t\t\tFailedScheduling\tnode 'ip-172-31-0-242.cn-north-1.compute.internal' is not in cache",
      totalNodes: null,
      reasons: [['other', null]],
    },
    {
      message: '3m\t\t3m\t\t2\t{default-scheduler }\t\t\tWarning\t\tFailedScheduling\tpod (jenkins-master-645022479-ov9ka) failed to fit in any node',
      totalNodes: null,
      reasons: [['other', null]],
    },
  ]);

  it('keeps no table column in the reason text', () => {
    const reading = parseSchedulerMessage('Warning  FilteringFailed   67s   hami-scheduler  no available node, 3 nodes do not meet');
    expect(reading.reasons[0]!.text).toBe('no available node, 3 nodes do not meet');
  });

  it('strips the columns of a 1.1 event table', () => {
    const reading = parseSchedulerMessage("1m\t\t29s\t\t7\t{scheduler }\t\t\tFailedScheduling\tnode 'ip-172-31-0-242' is not in cache");
    expect(reading.reasons[0]!.text).toBe("node 'ip-172-31-0-242' is not in cache");
  });
});

describe('cluster-autoscaler predicate logs', () => {
  runCases([
    {
      message:
        'I0506 14:23:31.057849       1 pod_schedulable.go:165] Pod nginx-to-scaleout-7474d8bb57-dxt2n can\'t be scheduled on eks-ue1-prod-XXXX-worker-group-prod-120200506102140590000000012, predicate failed: PodToleratesNodeTaints predicate mismatch, reason: node(s) had taints that the pod didn\'t tolerate, taints on node: []v1.Taint{v1.Taint{Key:"prod-only", Value:"true", Effect:"NoSchedule", TimeAdded:(*v1.Time)(nil)}}',
      totalNodes: null,
      reasons: [['untolerated_taint', null]],
      component: 'cluster-autoscaler',
    },
    {
      message:
        "I1002 11:03:26.503432       1 utils.go:196] Pod myapp-server-0 can't be scheduled on nodes.prod.example.com, predicate failed: GeneralPredicates predicate mismatch, cannot put production/sportradar-uof-server-0 on template-node-for-nodes.prod.example.com-7085033211816415489, reason: node(s) didn't match node selector",
      totalNodes: null,
      reasons: [['node_affinity', null]],
      component: 'cluster-autoscaler',
    },
  ]);

  it('reads the 1.2 scale-up predicate log', () => {
    const reading = parseSchedulerMessage(
      'I0605 11:27:30.005163       1 scale_up.go:146] Scale-up predicate failed: PodFitsResources predicate mismatch, cannot put default/simple-gpu-test-6f48d9555d-l9822 on template-node-for-gpus.ci.k8s.local-5829202798403814789, reason: Insufficient nvidia.com/gpu',
    );
    expect(reading.component).toBe('cluster-autoscaler');
    expect(reading.reasons).toMatchObject([{ category: 'insufficient_resource', nodes: null, resource: 'nvidia.com/gpu', plugin: 'PodFitsResources' }]);
    expect(reading.notes).toEqual(['simulated on node group gpus.ci.k8s.local']);
  });

  it('keeps the predicate name', () => {
    const reading = parseSchedulerMessage(
      "Pod web-0 can't be scheduled on group-a, predicate failed: PodToleratesNodeTaints predicate mismatch, reason: node(s) had taints that the pod didn't tolerate",
    );
    expect(reading.reasons[0]!.plugin).toBe('PodToleratesNodeTaints');
    expect(reading.notes).toContain('simulated on node group group-a');
  });

  it('reads a taint from a Go struct dump', () => {
    const reading = parseSchedulerMessage(
      'Pod web-0 can\'t be scheduled on group-a, predicate failed: PodToleratesNodeTaints predicate mismatch, reason: node(s) had taints that the pod didn\'t tolerate, taints on node: []v1.Taint{v1.Taint{Key:"prod-only", Value:"true", Effect:"NoSchedule", TimeAdded:(*v1.Time)(nil)}}',
    );
    expect(reading.reasons[0]!.taint).toEqual({ key: 'prod-only', value: 'true', effect: 'NoSchedule' });
  });
});

describe('cluster-autoscaler events without a list', () => {
  it('reads the bracketed note as the reason', () => {
    const reading = parseSchedulerMessage("pod didn't trigger scale-up (it wouldn't fit if a new node is added)");
    expect(reading.reasons).toEqual([{ category: 'autoscaler', nodes: null, text: "it wouldn't fit if a new node is added" }]);
  });
});

describe('Karpenter errors', () => {
  runCases([
    {
      message:
        'Could not schedule pod, incompatible with nodepool "default", daemonset overhead={"cpu":"675m","memory":"390Mi","pods":"6"}, incompatible requirements, label "nodegroup" does not have known values',
      totalNodes: null,
      reasons: [['node_affinity', null]],
      component: 'karpenter',
    },
    {
      message:
        'incompatible with nodepool "worker-multi-az-xxlarge", daemonset overhead={"cpu":"681m","memory":"652Mi","pods":"11"}, incompatible requirements, label "node-role.kaas.acquia.io/stable" does not have known values (typo of "acquia.io/stage"?); incompatible with nodepool "default", daemonset overhead={"cpu":"681m","memory":"652Mi","pods":"11"}, did not tolerate taint (taint=msp.stripe.io/availability-tier=A400:NoSchedule)',
      totalNodes: null,
      reasons: [
        ['node_affinity', null],
        ['untolerated_taint', null, 'msp.stripe.io/availability-tier'],
      ],
      component: 'karpenter',
    },
    {
      message:
        'Failed to schedule pod, incompatible with nodepool "default", daemonset overhead={"cpu":"910m","memory":"844Mi","pods":"10"}, key kubernetes.io/hostname, kubernetes.io/hostname DoesNotExist not in kubernetes.io/hostname In [hostname-placeholder-740854]',
      totalNodes: null,
      reasons: [['node_affinity', null]],
      component: 'karpenter',
    },
  ]);

  it('reads no taint from JSON braces', () => {
    const reading = parseSchedulerMessage('did not tolerate, daemonset overhead={"cpu":"681m","memory":"652Mi"}');
    expect(reading.reasons[0]!.taint).toBeUndefined();
  });
});

describe('Kueue reasons', () => {
  runCases([
    {
      message:
        "couldn't assign flavors to pod set main: insufficient quota for nvidia.com/gpu in flavor example-flavor, previously considered podsets requests (16) + current podset request (8) > maximum capacity (16)",
      totalNodes: null,
      reasons: [['quota', null, 'nvidia.com/gpu']],
      component: 'kueue',
    },
    {
      message:
        "couldn't assign flavors to pod set main: insufficient quota for nvidia.com/gpu in flavor a100, previously considered podsets requests (16) + current podset request (8) > maximum capacity (16), insufficient unused quota for cpu in flavor a100, 4 more needed",
      totalNodes: null,
      reasons: [
        ['quota', null, 'nvidia.com/gpu'],
        ['quota', null, 'cpu'],
      ],
      component: 'kueue',
    },
    {
      message:
        "couldn't assign flavors to pod set workers: insufficient quota for nvidia.com/gpu in flavor h100, one pod per zero-count podset request (1) > maximum capacity (0)",
      totalNodes: null,
      reasons: [['quota', null, 'nvidia.com/gpu']],
      component: 'kueue',
    },
    {
      message: 'insufficient quota for resource-type in flavor example-flavor, request > maximum capacity (24 > 16)',
      totalNodes: null,
      reasons: [['quota', null, 'resource-type']],
      component: 'kueue',
    },
    {
      message: 'insufficient unused quota for nvidia.com/gpu in flavor a100, 8 more needed',
      totalNodes: null,
      reasons: [['quota', null, 'nvidia.com/gpu']],
      component: 'kueue',
    },
    {
      message: 'failed to assign flavors to pod set main: flavor gpu not found',
      totalNodes: null,
      reasons: [['gang_or_queue', null]],
      component: 'kueue',
    },
  ]);

  it('keeps the flavor on a continued reason', () => {
    const reading = parseSchedulerMessage(
      "couldn't assign flavors to pod set main: insufficient quota for nvidia.com/gpu in flavor a100, previously considered podsets requests (16) + current podset request (8) > maximum capacity (16)",
    );
    expect(reading.reasons[0]!.flavor).toBe('a100');
    expect(reading.reasons[0]!.text).toContain('> maximum capacity (16)');
  });
});

describe('Volcano pod group messages', () => {
  runCases([
    {
      message: 'pod group is not ready, 1 minAvailable, 7 Running, 89 Pending; Pending: 89 Unschedulable',
      totalNodes: null,
      reasons: [['gang_or_queue', null]],
      component: 'volcano',
    },
    {
      message: 'Warning  FailedScheduling  34m                   volcano  pod group is not ready, 1 minAvailable, 7 Running, 89 Pending; Pending: 89 Unschedulable',
      totalNodes: null,
      reasons: [['gang_or_queue', null]],
      component: 'volcano',
    },
  ]);
});

describe('kube-scheduler gang scheduling', () => {
  runCases([
    {
      message:
        '0/16 nodes are available: minCount (8) cannot be satisfied: 5 scheduled, 0 remaining. preemption: 0/16 nodes are available: 16 Preemption is not helpful for scheduling.',
      totalNodes: 16,
      reasons: [['gang_or_queue', null]],
      preemption: [16, 16, 0],
    },
    { message: 'waiting for composite pod group "llm" tree to meet quorum', totalNodes: null, reasons: [['gang_or_queue', null]] },
  ]);
});

describe('ResourceQuota admission', () => {
  runCases([
    {
      message: 'Error creating: pods "x" is forbidden: failed quota: q1: must specify limits.cpu for: main; limits.memory for: main',
      totalNodes: null,
      reasons: [['quota', null, 'cpu']],
      pod: 'x',
    },
    {
      message:
        'Error from server (Forbidden): error when creating "test_NBody.yml": pods "sample-7w6fz" is forbidden: exceeded quota: informatics-compute-resources, requested: limits.cpu=1, used: limits.cpu=16, limited: limits.cpu=16',
      totalNodes: null,
      reasons: [['quota', null, 'cpu']],
      pod: 'sample-7w6fz',
    },
  ]);
});

describe('kube-scheduler 1.0 predicate lists', () => {
  runCases([
    {
      message:
        'Error scheduling: failed to find fit for pod: &{{ } {slaves-controller-ku9oc slaves-controller- default}}Node kubernetes-minion-7e8m: NoDiskConflictNode kubernetes-minion-w944: NoDiskConflictNode kubernetes-minion-shk4: NoDiskConflict',
      totalNodes: null,
      reasons: [['volume_binding', 3]],
      component: 'kube-scheduler',
    },
  ]);
});

describe('real messages already read right', () => {
  runCases([
    {
      message:
        '0/4 nodes are available: 1 NodeUnfitPod, 1 node(s) had untolerated taint {node.kubernetes.io/unreachable: }, 2 node unregistered. preemption: 0/4 nodes are available: 1 Preemption is not helpful for scheduling, 3 No preemption victims found for incoming pod..',
      totalNodes: 4,
      reasons: [
        ['other', 1],
        ['node_not_ready', 1, 'node.kubernetes.io/unreachable'],
        ['other', 2],
      ],
      preemption: [4, 1, 3],
    },
    {
      message:
        '0s          Warning   FailedScheduling          pod/testapp-5f8b56c8fc-6xcjp        0/20 nodes are available: 1 node(s) had untolerated taint {windowsContainers: true}, 2 node(s) had untolerated taint {eks.amazonaws.com/compute-type: fargate}, 4 node(s) didn\'t match Pod\'s node affinity/selector, 4 node(s) didn\'t match pod anti-affinity rules, 9 node(s) didn\'t match pod topology spread constraints. preemption: 0/20 nodes are available: 13 No preemption victims found for incoming pod, 7 Preemption is not helpful for scheduling.',
      totalNodes: 20,
      reasons: [
        ['untolerated_taint', 1, 'windowsContainers'],
        ['untolerated_taint', 2, 'eks.amazonaws.com/compute-type'],
        ['node_affinity', 4],
        ['pod_anti_affinity', 4],
        ['topology_spread', 9],
      ],
      preemption: [20, 7, 13],
    },
    {
      message:
        'Warning  FailedScheduling  5s    default-scheduler  0/3 nodes are available: 3 Insufficient cpu. preemption: 0/3 nodes are available: 3 Preemption is not eligible due to preemptionPolicy=Never.',
      totalNodes: 3,
      reasons: [['insufficient_resource', 3, 'cpu']],
    },
    {
      message: 'Normal   NotTriggerScaleUp  7s (x359 over 60m)  cluster-autoscaler  pod didn\'t trigger scale-up: 1 in backoff after failed scale-up',
      totalNodes: null,
      reasons: [['autoscaler', 1]],
      component: 'cluster-autoscaler',
    },
    {
      message:
        '0/3 nodes are available: 3 resourceclaim not available on the node. still not schedulable, preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling.',
      totalNodes: 3,
      reasons: [['insufficient_resource', 3]],
      preemption: [3, 3, 0],
    },
    {
      message: 'Normal   Unschedulable  15s (x13 over 28s)  volcano  queue resource quota insufficient',
      totalNodes: null,
      reasons: [['quota', null]],
    },
  ]);
});
