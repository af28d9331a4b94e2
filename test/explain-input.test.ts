import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { main } from '../src/cli.js';
import type { CliIo } from '../src/cli/io.js';

async function run(args: string[], stdin: string): Promise<{ code: number; stdout: string; stderr: string }> {
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

const MESSAGE = '0/2 nodes are available: 2 Insufficient nvidia.com/gpu.';

function pendingPod(name: string, condition: Record<string, unknown>): Record<string, unknown> {
  return {
    kind: 'Pod',
    metadata: { name, namespace: 'ml' },
    spec: { containers: [{ name: 'main', resources: { limits: { 'nvidia.com/gpu': '1' } } }] },
    status: { phase: 'Pending', conditions: [condition] },
  };
}

describe('explain on malformed input', () => {
  it('keeps readable events beside one without a message', async () => {
    const list = {
      kind: 'List',
      items: [
        { kind: 'Event', reason: 'FailedScheduling', message: MESSAGE, involvedObject: { kind: 'Pod', name: 'a' } },
        { kind: 'Event', reason: 'FailedScheduling', involvedObject: { kind: 'Pod', name: 'b' } },
      ],
    };
    const result = await run(['explain', '--json'], JSON.stringify(list));
    expect(result.code).toBe(0);
    const output = JSON.parse(result.stdout) as { events: unknown[]; skipped: Record<string, number> };
    expect(output.events).toHaveLength(1);
    expect(output.skipped).toEqual({ 'events without a message': 1 });
  });

  it('reads a condition message that is a number', async () => {
    const pod = pendingPod('a', { type: 'PodScheduled', status: 'False', reason: 'Unschedulable', message: 42 });
    const result = await run(['explain', '--json'], JSON.stringify(pod));
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ pod: 'ml/a', reasons: [{ category: 'other', text: '42' }] });
  });

  it('skips null conditions in a pod', async () => {
    const pod = pendingPod('a', { type: 'PodScheduled', status: 'False', reason: 'Unschedulable', message: MESSAGE });
    ((pod.status as Record<string, unknown>).conditions as unknown[]).unshift(null);
    const result = await run(['explain', '--json'], JSON.stringify(pod));
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ totalNodes: 2, gpuRequest: 1 });
  });

  it('reads a null metadata pod as unnamed', async () => {
    const result = await run(['explain'], JSON.stringify({ kind: 'Pod', metadata: null, status: { conditions: [null] } }));
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('no PodScheduled condition');
  });
});

describe('explain on several documents', () => {
  const first = pendingPod('a', { type: 'PodScheduled', status: 'False', reason: 'Unschedulable', message: MESSAGE });
  const second = pendingPod('b', { type: 'PodScheduled', status: 'False', reason: 'Unschedulable', message: '0/1 nodes are available: 1 Insufficient cpu.' });

  it('reads concatenated JSON objects', async () => {
    const result = await run(['explain', '--json'], `${JSON.stringify(first, null, 2)}\n${JSON.stringify(second)}\n`);
    expect(result.code).toBe(0);
    const output = JSON.parse(result.stdout) as { pods: { pod: string }[] };
    expect(output.pods.map((pod) => pod.pod)).toEqual(['ml/a', 'ml/b']);
  });

  it('reads YAML documents split by ---', async () => {
    const yaml = [
      'kind: Pod',
      'metadata: {name: a, namespace: ml}',
      'status:',
      '  conditions:',
      `  - {type: PodScheduled, status: "False", reason: Unschedulable, message: "${MESSAGE}"}`,
      '---',
      'kind: PodList',
      'items:',
      '- metadata: {name: b, namespace: ml}',
      '  status:',
      '    conditions:',
      '    - {type: PodScheduled, status: "False", reason: Unschedulable, message: "0/1 nodes are available: 1 Insufficient cpu."}',
    ].join('\n');
    const result = await run(['explain', '--json'], yaml);
    expect(result.code).toBe(0);
    const output = JSON.parse(result.stdout) as { pods: { pod: string }[] };
    expect(output.pods.map((pod) => pod.pod)).toEqual(['ml/a', 'ml/b']);
  });

  it('keeps a bracketed message a message', async () => {
    const result = await run(['explain', '--json'], '[NodeAffinity] rejected the pod');
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ reasons: [{ text: '[NodeAffinity] rejected the pod' }] });
  });
});
