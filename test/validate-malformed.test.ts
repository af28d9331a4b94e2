import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { main } from '../src/cli.js';
import type { CliIo } from '../src/cli/io.js';

interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

async function run(args: string[], stdin: string): Promise<RunResult> {
  let stdout = '';
  let stderr = '';
  const io: CliIo = {
    stdin: Readable.from(stdin.length > 0 ? [stdin] : []),
    stdout: { write: (text: string) => (stdout += text) },
    stderr: { write: (text: string) => (stderr += text) },
    env: {},
  };
  const code = await main(args, io);
  return { code, stdout, stderr };
}

interface CheckJson {
  name: string;
  result: string;
  evidence: string;
  reasons: string[];
}

interface NodeJson {
  name: string;
  verdict: string;
  checks: CheckJson[];
  reasons: string[];
}

async function validateJson(input: unknown): Promise<NodeJson[]> {
  const result = await run(['validate', '--json', '--now', '2026-03-02T12:00:00Z'], JSON.stringify(input));
  expect(result.stderr).toBe('');
  expect(result.code).toBe(0);
  return (JSON.parse(result.stdout) as { nodes: NodeJson[] }).nodes;
}

function checkOf(node: NodeJson, name: string): CheckJson {
  const found = node.checks.find((entry) => entry.name === name);
  expect(found, `check ${name}`).toBeDefined();
  return found!;
}

/** A full Node as the API server returns it, two days after it came back, with 8 GPUs unless overridden. */
function gpuNode(name: string, allocatable: unknown = '8', capacity: unknown = '8'): Record<string, unknown> {
  return {
    kind: 'Node',
    metadata: { name, creationTimestamp: '2025-01-01T00:00:00Z', labels: { 'nvidia.com/gpu.product': 'H100' } },
    spec: { providerID: `aws:///${name}` },
    status: {
      conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: '2026-02-28T00:00:00Z' }],
      allocatable: { 'nvidia.com/gpu': allocatable },
      capacity: { 'nvidia.com/gpu': capacity },
    },
  };
}

describe('validate on malformed fields', () => {
  it('reads null taints as no taints', async () => {
    const node = gpuNode('n1');
    (node.spec as Record<string, unknown>).taints = null;
    const [result] = await validateJson(node);
    expect(checkOf(result!, 'taints').result).toBe('pass');
  });

  it('skips null taint and condition entries', async () => {
    const node = gpuNode('n1');
    (node.spec as Record<string, unknown>).taints = [null, { key: 'maintenance.example.com/nic', effect: 'NoSchedule' }];
    ((node.status as Record<string, unknown>).conditions as unknown[]).push(null);
    const [result] = await validateJson(node);
    expect(checkOf(result!, 'ready').result).toBe('pass');
    expect(checkOf(result!, 'taints').result).toBe('fail');
  });

  it('reads conditions that are not a list as none', async () => {
    const node = gpuNode('n1');
    (node.status as Record<string, unknown>).conditions = { type: 'Ready', status: 'True' };
    const [result] = await validateJson(node);
    expect(checkOf(result!, 'ready').result).not.toBe('pass');
  });

  it('reads null spec and status as not shown', async () => {
    const [result] = await validateJson({ kind: 'Node', metadata: { name: 'n1', labels: null }, spec: null, status: null });
    expect(result!.verdict).toBe('unknown');
    expect(checkOf(result!, 'ready').result).toBe('unknown');
  });

  it('reads a YAML boolean condition status', async () => {
    const yaml = [
      'kind: Node',
      'metadata: {name: n1, creationTimestamp: "2025-01-01T00:00:00Z"}',
      'spec: {providerID: aws:///n1}',
      'status:',
      '  conditions:',
      '  - {type: Ready, status: True, lastTransitionTime: "2026-02-28T00:00:00Z"}',
    ].join('\n');
    const result = await run(['validate', '--json', '--now', '2026-03-02T12:00:00Z'], yaml);
    expect(result.code).toBe(0);
    const [node] = (JSON.parse(result.stdout) as { nodes: NodeJson[] }).nodes;
    expect(checkOf(node!, 'ready').result).toBe('pass');
  });

  it('reads a quoted true cordon as cordoned', async () => {
    const node = gpuNode('n1');
    (node.spec as Record<string, unknown>).unschedulable = 'true';
    const [result] = await validateJson(node);
    expect(checkOf(result!, 'schedulable').result).toBe('fail');
  });
});

describe('validate on GPU quantities', () => {
  it('passes whole quantities written as numbers', async () => {
    const [result] = await validateJson(gpuNode('n1', 8, 8));
    expect(checkOf(result!, 'gpu-allocatable').result).toBe('pass');
  });

  it('names an allocatable that is not a quantity', async () => {
    const [result] = await validateJson(gpuNode('n1', 'abc'));
    const gpu = checkOf(result!, 'gpu-allocatable');
    expect(gpu.result).toBe('unknown');
    expect(gpu.evidence).toContain('"abc"');
    expect(gpu.reasons).toEqual(['gpu_quantity_invalid']);
  });

  it('does not pass allocatable above capacity', async () => {
    const [result] = await validateJson(gpuNode('n1', '1Gi'));
    const gpu = checkOf(result!, 'gpu-allocatable');
    expect(gpu.result).toBe('unknown');
    expect(gpu.evidence).toContain('exceeds capacity 8');
  });

  it('fails fractional GPUs short of capacity', async () => {
    const [result] = await validateJson(gpuNode('n1', '7500m'));
    expect(checkOf(result!, 'gpu-allocatable').result).toBe('fail');
  });

  it('reads 8k GPUs as 8000', async () => {
    const [result] = await validateJson(gpuNode('n1', '8k', '8k'));
    expect(checkOf(result!, 'gpu-allocatable').evidence).toContain('allocatable 8000 of 8000');
  });
});

describe('validate on odd input', () => {
  it('names plain text input as text', async () => {
    const result = await run(['validate'], 'not json at all');
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('stdin contains the text "not json at all"');
  });

  it('reads many pods on one node in linear time', async () => {
    const node = gpuNode('n1');
    const pods = Array.from({ length: 40_000 }, (_, index) => ({
      kind: 'Pod',
      metadata: { name: `p${index}`, namespace: 'ml' },
      spec: { nodeName: 'n1', containers: [] },
      status: { phase: 'Running' },
    }));
    const started = performance.now();
    const nodes = await validateJson({ kind: 'List', items: [node, ...pods] });
    expect(nodes).toHaveLength(1);
    expect(performance.now() - started).toBeLessThan(5_000);
  });

  it('reads concatenated JSON nodes', async () => {
    const result = await run(['validate', '--json'], `${JSON.stringify(gpuNode('n1'))}\n${JSON.stringify(gpuNode('n2'))}\n`);
    expect(result.code).toBe(0);
    expect((JSON.parse(result.stdout) as { nodes: NodeJson[] }).nodes.map((node) => node.name)).toEqual(['n1', 'n2']);
  });

  it('reads YAML documents split by ---', async () => {
    const yaml = 'kind: Node\nmetadata: {name: n1}\n---\n---\nkind: NodeList\nitems:\n- metadata: {name: n2}\n';
    const result = await run(['validate', '--json'], yaml);
    expect(result.code).toBe(0);
    expect((JSON.parse(result.stdout) as { nodes: NodeJson[] }).nodes.map((node) => node.name)).toEqual(['n1', 'n2']);
  });
});
