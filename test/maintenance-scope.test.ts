import { describe, expect, it } from 'vitest';
import { LabelSelectorError, matchesSelector, parseLabelSelector } from '../src/maintenance/label-selector.js';
import { clusterConfig, compileScope, describeScope, ScopeError, selectNodes } from '../src/maintenance/scope.js';
import { A100, EAST, H100, maintConfig, nodeView, WEST } from './maintenance-fixtures.js';

const AT = '2026-03-01T00:00:00Z';

function selects(selector: string, labels: Record<string, string>): boolean {
  return matchesSelector(parseLabelSelector(selector), labels);
}

describe('label selector', () => {
  it.each([
    ['pool=gpu', { pool: 'gpu' }, true],
    ['pool==gpu', { pool: 'gpu' }, true],
    ['pool = gpu', { pool: 'cpu' }, false],
    ['pool!=gpu', { pool: 'cpu' }, true],
    ['pool!=gpu', {}, true],
    ['pool in (gpu, infer)', { pool: 'infer' }, true],
    ['pool in (gpu,infer)', { pool: 'cpu' }, false],
    ['pool notin (gpu)', {}, true],
    ['pool notin (gpu)', { pool: 'gpu' }, false],
    ['pool', { pool: '' }, true],
    ['!pool', { pool: 'gpu' }, false],
    ['!pool', {}, true],
    ['nvidia.com/gpu.count>4', { 'nvidia.com/gpu.count': '8' }, true],
    ['nvidia.com/gpu.count<4', { 'nvidia.com/gpu.count': '8' }, false],
    ['nvidia.com/gpu.count>4', { 'nvidia.com/gpu.count': 'many' }, false],
    ['pool=gpu,zone in (a,b),!drain', { pool: 'gpu', zone: 'b' }, true],
    ['pool=gpu,zone in (a,b),!drain', { pool: 'gpu', zone: 'b', drain: 'x' }, false],
    ['pool=', { pool: '' }, true],
  ])('%s on %j is %s', (selector, labels, expected) => {
    expect(selects(selector, labels as Record<string, string>)).toBe(expected);
  });

  it.each([
    ['', 'the selector is empty'],
    ['pool=gpu,', 'empty requirement'],
    ['pool in ()', 'needs at least one value'],
    ['pool in (a', "missing ')'"],
    ['pool=a b', 'cannot read'],
    ['Nvidia.COM/x=1', 'DNS subdomain'],
    ['count>many', 'needs an integer'],
    [`${'k'.repeat(64)}=v`, 'at most 63'],
    ['pool=-bad', 'value "-bad"'],
  ])('rejects %j naming the problem', (selector, detail) => {
    expect(() => parseLabelSelector(selector)).toThrow(LabelSelectorError);
    expect(() => parseLabelSelector(selector)).toThrow(detail);
  });
});

describe('maintenance scope', () => {
  const config = maintConfig();
  const east = clusterConfig(config, EAST);
  const nodes = [
    nodeView(EAST, 'h-1', { at: AT, rack: 'r1', sku: H100, labels: { pool: 'train' } }),
    nodeView(EAST, 'h-2', { at: AT, rack: 'r2', sku: H100, labels: { pool: 'serve' } }),
    nodeView(EAST, 'a-1', { at: AT, rack: 'r1', sku: A100, labels: { pool: 'train' } }),
    nodeView(EAST, 'cpu-1', { at: AT, gpus: 0 }),
  ];
  const names = (scope: Parameters<typeof selectNodes>[1]) =>
    selectNodes(east, scope, nodes).nodes.map((node) => node.name);

  it('all selects every node', () => {
    expect(names({ all: true })).toEqual(['h-1', 'h-2', 'a-1', 'cpu-1']);
  });

  it('selects by GPU product label', () => {
    expect(names({ gpuProducts: [H100] })).toEqual(['h-1', 'h-2']);
  });

  it('selects by the vendor rack label', () => {
    expect(names({ racks: ['r1'] })).toEqual(['h-1', 'a-1']);
  });

  it('reads racks through the cluster rackLabel override', () => {
    const overridden = clusterConfig(
      maintConfig({
        clusters: [
          { name: EAST, vendor: 'generic', context: EAST, channel: 'C0GPUEAST', rackLabel: 'example.com/rack' },
        ],
      }),
      EAST,
    );
    const labelled = [
      nodeView(EAST, 'g-1', { at: AT, labels: { 'example.com/rack': 'r9' } }),
      nodeView(EAST, 'g-2', { at: AT }),
    ];
    expect(selectNodes(overridden, { racks: ['r9'] }, labelled).nodes.map((node) => node.name)).toEqual(['g-1']);
  });

  it('reads the OCI rack label on an OCI cluster', () => {
    const west = clusterConfig(config, WEST);
    const ociNodes = [
      nodeView(WEST, 'o-1', { at: AT, rack: 'ocid-rack-7' }),
      nodeView(WEST, 'o-2', { at: AT, rack: 'ocid-rack-8' }),
    ];
    expect(selectNodes(west, { racks: ['ocid-rack-7'] }, ociNodes).nodes.map((node) => node.name)).toEqual(['o-1']);
  });

  it('combines criteria with AND', () => {
    expect(names({ gpuProducts: [H100], labelSelector: 'pool=train' })).toEqual(['h-1']);
    expect(names({ racks: ['r1'], gpuProducts: [A100] })).toEqual(['a-1']);
  });

  it('reports explicit nodes the cluster lacks', () => {
    const selection = selectNodes(east, { nodes: ['h-2', 'gone-1'] }, nodes);
    expect(selection.nodes.map((node) => node.name)).toEqual(['h-2']);
    expect(selection.missing).toEqual(['gone-1']);
  });

  it('rejects scopes that select nothing or conflict', () => {
    expect(() => compileScope({})).toThrow(ScopeError);
    expect(() => compileScope({})).toThrow('scope selects nothing');
    expect(() => compileScope({ all: true, racks: ['r1'] })).toThrow('all: true together with racks');
    expect(() => compileScope({ racks: [] })).toThrow('racks is an empty list');
    expect(() => compileScope({ labelSelector: 'a in ()' })).toThrow(LabelSelectorError);
  });

  it('describes a scope in words', () => {
    expect(describeScope({ all: true })).toBe('all nodes');
    expect(describeScope({ gpuProducts: [H100], racks: ['r1', 'r2'] })).toBe(`GPU ${H100}; racks r1, r2`);
  });
});
