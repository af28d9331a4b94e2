import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { causeOfReason, findNeverFits, largestCapacity, mainReason } from '../src/alerts/cause.js';
import { groupPendingPods, isAlertablePending, teamOfNamespace, UNOWNED_TEAM } from '../src/alerts/grouping.js';
import { parseSchedulerMessage } from '../src/k8s/scheduler-message.js';
import { CLUSTER, node, pendingPod, testConfig } from './alert-fixtures.js';

const NOW = new Date('2026-03-02T12:00:00Z');
const OLD = '2026-03-02T11:00:00Z';
const CORDON_MESSAGE = '0/40 nodes are available: 24 node(s) were unschedulable, 16 Insufficient nvidia.com/gpu.';

function fleetWithCordons(): ReturnType<typeof node>[] {
  const nodes = [];
  for (let index = 0; index < 24; index += 1) nodes.push(node(`gpu-${index}`, { cordoned: true, ready: index < 20 ? 'True' : 'False' }));
  for (let index = 24; index < 40; index += 1) nodes.push(node(`gpu-${index}`));
  return nodes;
}

function group(pods: ReturnType<typeof pendingPod>[], nodes = fleetWithCordons(), config = testConfig()) {
  return groupPendingPods({ cluster: CLUSTER, nodes, pods, config, now: NOW });
}

describe('pending-pod grouping', () => {
  it('groups by team and main cause', () => {
    const pods = [
      ...Array.from({ length: 5 }, (_, index) => pendingPod(`trainer-${index}`, { message: CORDON_MESSAGE, since: OLD, owner: { kind: 'JobSet', name: 'llm' } })),
      pendingPod('serve-0', { namespace: 'ml-serve', message: CORDON_MESSAGE, since: OLD }),
      pendingPod('etl-0', { namespace: 'analytics', message: CORDON_MESSAGE, since: OLD }),
    ];
    const groups = group(pods);
    expect(groups.map((entry) => entry.key)).toEqual([`pending/${CLUSTER}/ml/unschedulable`, `pending/${CLUSTER}/${UNOWNED_TEAM}/unschedulable`]);
    expect(groups[0]!.pods).toHaveLength(6);
    expect(groups[0]!.namespaces).toEqual(['ml-serve', 'ml-train']);
    expect(groups[1]!.team).toBe(UNOWNED_TEAM);
  });

  it('counts cordoned blocking nodes from the fleet', () => {
    const [first] = group([pendingPod('a', { message: CORDON_MESSAGE, since: OLD })]);
    expect(first!.blocking.summary).toBe('24 nodes cordoned');
    expect(first!.blocking.nodes).toHaveLength(24);
    expect(first!.blocking.breakdown).toEqual([
      { label: 'Ready', count: 20 },
      { label: 'NotReady', count: 4 },
    ]);
  });

  it('uses the default team for undeclared namespaces', () => {
    const config = testConfig({ alerting: { defaultTeam: 'infra' } });
    expect(teamOfNamespace(config, 'analytics')).toBe('infra');
    expect(teamOfNamespace(config, 'ml-train')).toBe('ml');
    expect(teamOfNamespace(testConfig(), 'analytics')).toBe(UNOWNED_TEAM);
  });

  it('skips pods pending less than pendingAfter', () => {
    const young = pendingPod('young', { message: CORDON_MESSAGE, since: '2026-03-02T11:55:00Z' });
    const old = pendingPod('old', { message: CORDON_MESSAGE, since: '2026-03-02T11:50:00Z' });
    expect(isAlertablePending(young, NOW, 600_000)).toBe(false);
    expect(isAlertablePending(old, NOW, 600_000)).toBe(true);
    const groups = group([young, old]);
    expect(groups).toHaveLength(1);
    expect(groups[0]!.pods.map((pod) => pod.name)).toEqual(['old']);
    expect(groups[0]!.since).toBe('2026-03-02T11:50:00Z');
  });

  it('skips pods gated or not marked Unschedulable', () => {
    const gated = pendingPod('gated', { message: 'waiting for scheduling gates', since: OLD });
    gated.scheduled = { ...gated.scheduled!, reason: 'SchedulingGated' };
    expect(group([gated])).toEqual([]);
  });

  it('ignores node selector mismatches as a cause', () => {
    const message = '0/6 nodes are available: 4 node(s) didn\'t match Pod\'s node affinity/selector, 2 Insufficient nvidia.com/gpu.';
    const [first] = group([pendingPod('a', { message, since: OLD })]);
    expect(first!.cause.key).toBe('insufficient_resource:nvidia.com/gpu');
  });

  it('falls back to a consequence when nothing else is listed', () => {
    const message = "0/5 nodes are available: 5 node(s) didn't match Pod's node affinity/selector.";
    const [first] = group([pendingPod('a', { message, since: OLD })]);
    expect(first!.cause.key).toBe('node_affinity');
    expect(first!.blocking.nodes).toEqual([]);
  });

  it('ignores control-plane taints as a cause', () => {
    const reading = parseSchedulerMessage(
      '0/4 nodes are available: 3 node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }, 1 Insufficient nvidia.com/gpu.',
    );
    expect(mainReason(reading)?.category).toBe('insufficient_resource');
  });

  it('finds Ready nodes with zero allocatable GPUs', () => {
    const nodes = [
      ...Array.from({ length: 8 }, (_, index) => node(`zero-${index}`, { allocatableGpus: 0 })),
      ...Array.from({ length: 4 }, (_, index) => node(`full-${index}`)),
    ];
    const message = '0/12 nodes are available: 12 Insufficient nvidia.com/gpu.';
    const [first] = group([pendingPod('a', { message, since: OLD, gpus: 8 })], nodes);
    expect(first!.cause.key).toBe('insufficient_resource:nvidia.com/gpu');
    expect(first!.blocking.summary).toBe('8 nodes Ready with 0 allocatable nvidia.com/gpu');
    expect(first!.blocking.nodes).toHaveLength(8);
  });

  it('reports full capacity when no GPU is missing', () => {
    const nodes = Array.from({ length: 3 }, (_, index) => node(`full-${index}`));
    const [first] = group([pendingPod('a', { message: '0/3 nodes are available: 3 Insufficient nvidia.com/gpu.', since: OLD, gpus: 8 })], nodes);
    expect(first!.blocking.kind).toBe('capacity');
    expect(first!.blocking.summary).toBe('all 3 nodes offering nvidia.com/gpu report their full allocatable, so it is in use');
  });

  it('counts taint values of blocking nodes', () => {
    const nodes = [
      ...Array.from({ length: 9 }, (_, index) => node(`up-${index}`, { taints: [{ key: 'maintenance.example/nic-fw', value: 'upgrading' }] })),
      ...Array.from({ length: 3 }, (_, index) => node(`done-${index}`, { taints: [{ key: 'maintenance.example/nic-fw', value: 'done' }] })),
      node('clean'),
    ];
    const message = '0/13 nodes are available: 12 node(s) had untolerated taint {maintenance.example/nic-fw: upgrading}, 1 Insufficient nvidia.com/gpu.';
    const [first] = group([pendingPod('a', { message, since: OLD })], nodes);
    expect(first!.cause.key).toBe('untolerated_taint:maintenance.example/nic-fw');
    expect(first!.blocking.summary).toBe('12 nodes carry taint maintenance.example/nic-fw');
    expect(first!.blocking.breakdown).toEqual([
      { label: 'maintenance.example/nic-fw=upgrading:NoSchedule', count: 9 },
      { label: 'maintenance.example/nic-fw=done:NoSchedule', count: 3 },
    ]);
  });

  it('finds NotReady nodes', () => {
    const nodes = [node('a', { ready: 'False' }), node('b', { ready: 'Unknown' }), node('c')];
    const message = '0/3 nodes are available: 2 node(s) had untolerated taint {node.kubernetes.io/not-ready: }, 1 Insufficient nvidia.com/gpu.';
    const [first] = group([pendingPod('p', { message, since: OLD })], nodes);
    expect(first!.cause.key).toBe('node_not_ready');
    expect(first!.blocking.summary).toBe('2 nodes NotReady');
    expect(first!.blocking.nodes).toEqual(['a', 'b']);
  });

  it('detects workloads that can never fit', () => {
    const nodes = Array.from({ length: 4 }, (_, index) => node(`gpu-${index}`));
    const pods = Array.from({ length: 3 }, (_, index) =>
      pendingPod(`big-${index}`, { message: '0/4 nodes are available: 4 Insufficient nvidia.com/gpu.', since: OLD, gpus: 16, owner: { kind: 'JobSet', name: 'big' } }),
    );
    const [first] = group(pods, nodes);
    expect(first!.cause.key).toBe('never_fits:nvidia.com/gpu');
    expect(first!.cause.text).toBe('requests 16 nvidia.com/gpu per pod but no node has more than 8');
    expect(first!.neverFits).toEqual({ resource: 'nvidia.com/gpu', requested: 16, largest: 8 });
  });

  it('never calls a resource no node reports unfittable', () => {
    const nodes = [node('cpu-only', { gpus: 0 })];
    const pod = pendingPod('a', { message: '0/1 nodes are available: 1 Insufficient nvidia.com/gpu.', since: OLD, gpus: 1 });
    expect(findNeverFits(pod, largestCapacity(nodes))).toBeNull();
    expect(group([pod], nodes)[0]!.cause.key).toBe('insufficient_resource:nvidia.com/gpu');
  });

  it('detects a CPU request larger than any node', () => {
    const nodes = [node('a')];
    const pod = pendingPod('a', { message: '0/1 nodes are available: 1 Insufficient cpu.', since: OLD, cpu: '200' });
    expect(group([pod], nodes)[0]!.cause.text).toBe('requests 200 cores cpu per pod but no node has more than 96 cores');
  });

  it('ranks top workloads by pod count', () => {
    const pods = [
      ...Array.from({ length: 3 }, (_, index) => pendingPod(`a-${index}`, { message: CORDON_MESSAGE, since: OLD, owner: { kind: 'JobSet', name: 'small' } })),
      ...Array.from({ length: 7 }, (_, index) => pendingPod(`b-${index}`, { message: CORDON_MESSAGE, since: OLD, owner: { kind: 'ReplicaSet', name: 'serve-5b6c7f889c' } })),
      pendingPod('lonely', { message: CORDON_MESSAGE, since: OLD }),
    ];
    const [first] = group(pods);
    expect(first!.workloads).toEqual([
      { namespace: 'ml-train', kind: 'Deployment', name: 'serve', count: 7 },
      { namespace: 'ml-train', kind: 'JobSet', name: 'small', count: 3 },
      { namespace: 'ml-train', kind: 'Pod', name: 'lonely', count: 1 },
    ]);
  });

  it('keeps unreadable messages under the unknown cause', () => {
    const pod = pendingPod('a', { message: '', since: OLD });
    const [first] = group([pod]);
    expect(first!.cause.key).toBe('unknown');
    expect(first!.cause.text).toBe('the scheduler gave no reason');
  });

  it('derives a cause for every corpus message', () => {
    const lines = readFileSync(new URL('./fixtures/scheduler-messages.jsonl', import.meta.url), 'utf8').split('\n').filter(Boolean);
    expect(lines.length).toBeGreaterThan(50);
    const nodes = [node('n')];
    for (const line of lines) {
      const entry = JSON.parse(line) as { id: string; message: string; expected: Parameters<typeof mainReason>[0] };
      const groups = group([pendingPod('p', { message: entry.message, since: OLD, gpus: 1 })], nodes);
      expect(groups, entry.id).toHaveLength(1);
      const expectedReason = mainReason(entry.expected);
      const cause = groups[0]!.cause;
      // The reading may add a resource the corpus leaves out; only what the corpus states must match.
      expect(cause.category, `${entry.id}: ${entry.message}`).toBe(expectedReason?.category ?? 'unknown');
      if (expectedReason?.resource || expectedReason?.taint) {
        expect(cause.key, `${entry.id}: ${entry.message}`).toBe(causeOfReason(expectedReason).key);
      }
    }
  });
});
