import { describe, expect, it } from 'vitest';
import { causeOfReason } from '../src/alerts/cause.js';
import { findBlockingNodes } from '../src/alerts/blocking.js';
import { node } from './alert-fixtures.js';

function insufficient(resource: string) {
  return causeOfReason({ category: 'insufficient_resource', nodes: 2, resource, text: `Insufficient ${resource}` });
}

describe('blocking nodes for insufficient resources', () => {
  const fleet = [node('gpu-1'), node('gpu-2', { allocatableGpus: 7 }), node('gpu-3', { allocatableGpus: 0 })];

  it('names GPU nodes short of their capacity', () => {
    const blocking = findBlockingNodes(fleet, insufficient('nvidia.com/gpu'));
    expect(blocking.kind).toBe('allocatable_missing');
    expect(blocking.nodes).toEqual(['gpu-2', 'gpu-3']);
    expect(blocking.summary).toBe('2 nodes Ready with less allocatable nvidia.com/gpu than capacity (1 at 0)');
  });

  it('leaves out the memory the kubelet reserves', () => {
    const blocking = findBlockingNodes(fleet, insufficient('memory'));
    expect(blocking.kind).toBe('capacity');
    expect(blocking.nodes).toEqual([]);
    expect(blocking.summary).not.toMatch(/less allocatable/);
  });

  it('leaves out reserved cpu', () => {
    expect(findBlockingNodes(fleet, insufficient('cpu')).kind).toBe('capacity');
  });
});
