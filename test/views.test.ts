import { describe, expect, it } from 'vitest';
import { gpuRequest, parseQuantity, toNodeView, toPodView } from '../src/k8s/views.js';

describe('parseQuantity', () => {
  it.each([
    ['8', 8],
    ['500m', 0.5],
    ['16Gi', 16 * 2 ** 30],
    ['1k', 1000],
    ['2M', 2e6],
    ['1e3', 1000],
  ])('reads %s', (text, expected) => {
    expect(parseQuantity(text)).toBe(expected);
  });

  it('returns NaN for a malformed quantity', () => {
    expect(parseQuantity('eight')).toBeNaN();
  });
});

describe('toNodeView', () => {
  it('keeps taints, conditions, allocatable and boot id', () => {
    const view = toNodeView(
      {
        metadata: { name: 'gpu-1', labels: { 'nvidia.com/gpu.product': 'NVIDIA-H100-80GB-HBM3' } },
        spec: { unschedulable: true, taints: [{ key: 'node.kubernetes.io/unschedulable', effect: 'NoSchedule' }] },
        status: {
          allocatable: { 'nvidia.com/gpu': '7' },
          conditions: [{ type: 'Ready', status: 'True', lastHeartbeatTime: '2026-01-01T00:00:00Z' }],
          nodeInfo: { bootID: 'b-1' },
        },
      },
      'east',
    );
    expect(view.cluster).toBe('east');
    expect(view.unschedulable).toBe(true);
    expect(view.taints).toEqual([
      { key: 'node.kubernetes.io/unschedulable', value: '', effect: 'NoSchedule', timeAdded: null },
    ]);
    expect(view.allocatable).toEqual({ 'nvidia.com/gpu': '7' });
    expect(view.conditions?.[0]?.lastHeartbeatTime).toBe('2026-01-01T00:00:00Z');
    expect(view.bootId).toBe('b-1');
  });

  it('marks parts the object did not show as null', () => {
    const view = toNodeView({ metadata: { name: 'partial' } });
    expect(view.unschedulable).toBeNull();
    expect(view.taints).toBeNull();
    expect(view.conditions).toBeNull();
    expect(view.allocatable).toBeNull();
  });
});

describe('toPodView', () => {
  const pod = {
    metadata: {
      name: 'trainer-abc12-x',
      namespace: 'ml',
      uid: 'u-1',
      ownerReferences: [{ kind: 'ReplicaSet', name: 'trainer-7d9f8c6b5', controller: true, apiVersion: 'apps/v1', uid: 'r' }],
    },
    spec: {
      containers: [
        { name: 'a', resources: { requests: { 'nvidia.com/gpu': '4', cpu: '500m' } } },
        { name: 'b', resources: { limits: { 'nvidia.com/gpu': '4' } } },
      ],
      initContainers: [{ name: 'init', resources: { requests: { cpu: '2' } } }],
    },
    status: {
      phase: 'Pending',
      conditions: [
        { type: 'PodScheduled', status: 'False', reason: 'Unschedulable', message: '0/3 nodes are available' },
      ],
    },
  };

  it('sums container requests and takes the larger init request', () => {
    const view = toPodView(pod);
    expect(view.requests['nvidia.com/gpu']).toBe('8');
    expect(view.requests.cpu).toBe('2');
    expect(gpuRequest(view)).toBe(8);
  });

  it('names the Deployment that owns a ReplicaSet', () => {
    expect(toPodView(pod).owner).toEqual({ kind: 'Deployment', name: 'trainer' });
  });

  it('reads the PodScheduled condition', () => {
    expect(toPodView(pod).scheduled).toMatchObject({ status: 'False', reason: 'Unschedulable' });
  });
});
