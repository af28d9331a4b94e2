import { readFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { stringify as toYaml } from 'yaml';
import { main } from '../src/cli.js';
import type { CliIo } from '../src/cli/io.js';

interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `pitstop ARGS` in-process with `stdin` as its standard input. */
async function run(args: string[], stdin = ''): Promise<RunResult> {
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

interface FixtureLine {
  id: string;
  kind?: string;
  message?: string;
  object?: Record<string, unknown>;
  expected: Record<string, unknown>;
}

function fixture(name: string): FixtureLine[] {
  return readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8')
    .split('\n')
    .filter((line) => line.trim().length > 0)
    .map((line) => JSON.parse(line) as FixtureLine);
}

const pods = fixture('nodes.jsonl').filter((line) => line.kind === 'Pod');
const nodes = fixture('nodes.jsonl').filter((line) => line.kind === 'Node');
const gpuPod = pods.find((line) => (line.object?.metadata as { name?: string }).name?.startsWith('triton-inference-server'))!;

const SHARED_GPU_MESSAGE =
  '0/36 nodes are available: 3 node(s) were unschedulable, 33 Insufficient nvidia.com/gpu. preemption: 0/36 nodes are available: 1 Insufficient nvidia.com/gpu, 3 Preemption is not helpful for scheduling, 32 No preemption victims found for incoming pod..';

describe('pitstop explain', () => {
  it('explains a message given as arguments', async () => {
    const result = await run(['explain', ...SHARED_GPU_MESSAGE.split(' ')]);
    expect(result.code).toBe(0);
    expect(result.stdout.split('\n')).toEqual([
      'none of the 36 nodes can run the pod',
      '3 nodes are cordoned',
      '33 nodes lack nvidia.com/gpu',
      'preemption would not help on 3 nodes',
      '32 nodes have no pods that preemption could evict',
      'even with preemption, 1 node lacks nvidia.com/gpu',
      '',
    ]);
    expect(result.stderr).toBe('');
  });

  it('prints the contract object for a message on stdin', async () => {
    const result = await run(['explain', '--json'], `${SHARED_GPU_MESSAGE}\n`);
    expect(result.code).toBe(0);
    const output = JSON.parse(result.stdout);
    expect(output.totalNodes).toBe(36);
    expect(output.reasons).toEqual([
      { category: 'unschedulable', nodes: 3, text: 'node(s) were unschedulable' },
      { category: 'insufficient_resource', nodes: 33, resource: 'nvidia.com/gpu', text: 'Insufficient nvidia.com/gpu' },
    ]);
    expect(output.preemption).toMatchObject({ totalNodes: 36, notHelpfulNodes: 3, noVictimsNodes: 32 });
    expect(output.component).toBe('kube-scheduler');
    expect(output.summary).toContain('3 nodes are cordoned');
  });

  it('reads a message given as a JSON string', async () => {
    const result = await run(['explain', '--json'], JSON.stringify('0/2 nodes are available: 2 node(s) were unschedulable.'));
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout).reasons).toEqual([{ category: 'unschedulable', nodes: 2, text: 'node(s) were unschedulable' }]);
  });

  it('reads a Pod and adds owner and GPU request', async () => {
    const result = await run(['explain', '--json'], JSON.stringify(gpuPod.object));
    expect(result.code).toBe(0);
    const output = JSON.parse(result.stdout);
    expect(output.pod).toBe('default/triton-inference-server-5b6c7f889c-f54c6');
    expect(output.owner).toBe(gpuPod.expected.owner);
    expect(output.gpuRequest).toBe(gpuPod.expected.gpuRequest);
    expect(output.totalNodes).toBe(gpuPod.expected.totalNodes);
    expect(output.preemption).toMatchObject(gpuPod.expected.preemption as object);
  });

  it('reads a Pod as YAML', async () => {
    const result = await run(['explain'], toYaml(gpuPod.object));
    expect(result.code).toBe(0);
    expect(result.stdout).toBe(
      'default/triton-inference-server-5b6c7f889c-f54c6 (ReplicaSet/triton-inference-server-5b6c7f889c, 1 GPU):\n' +
        '  the only node cannot run the pod\n' +
        '  1 node lacks nvidia.com/gpu\n' +
        '  1 node has no pods that preemption could evict\n',
    );
  });

  it('reads a kubectl List of pods and nodes', async () => {
    const scheduled = {
      kind: 'Pod',
      metadata: { name: 'running-0', namespace: 'default' },
      status: { phase: 'Running', conditions: [{ type: 'PodScheduled', status: 'True' }] },
    };
    const list = { apiVersion: 'v1', kind: 'List', items: [...pods.map((line) => line.object), scheduled, nodes[0]!.object] };
    const result = await run(['explain', '--json'], JSON.stringify(list));
    expect(result.code).toBe(0);
    const output = JSON.parse(result.stdout);
    expect(output.pods).toHaveLength(pods.length);
    for (const [index, line] of pods.entries()) {
      expect(output.pods[index].owner).toBe(line.expected.owner);
      expect(output.pods[index].gpuRequest).toBe(line.expected.gpuRequest);
      expect(output.pods[index].totalNodes).toBe(line.expected.totalNodes);
    }
    expect(output.skipped).toEqual({ 'pods that are scheduled': 1, 'Node objects': 1 });
  });

  it('lists pods in plain words with what it skipped', async () => {
    const list = { kind: 'PodList', items: [pods[1]!.object, nodes[0]!.object] };
    const result = await run(['explain'], JSON.stringify(list));
    expect(result.code).toBe(0);
    expect(result.stdout).toBe(
      'default/gpu-gtx-1050 (1 GPU):\n' +
        '  none of the 2 nodes can run the pod\n' +
        '  1 node lacks nvidia.com/gpu\n' +
        '  1 node is cordoned\n' +
        'skipped Node objects: 1\n',
    );
  });

  it('reads scheduling events from an EventList', async () => {
    const events = {
      kind: 'EventList',
      items: [
        {
          kind: 'Event',
          reason: 'FailedScheduling',
          message: '0/4 nodes are available: 4 node(s) had untolerated taint {maintenance.example.com/nic: in-progress}.',
          involvedObject: { kind: 'Pod', namespace: 'ml', name: 'train-0' },
          count: 3,
        },
        { kind: 'Event', reason: 'Pulled', message: 'Successfully pulled image', involvedObject: { kind: 'Pod', name: 'web-0' } },
      ],
    };
    const result = await run(['explain', '--json'], JSON.stringify(events));
    expect(result.code).toBe(0);
    const output = JSON.parse(result.stdout);
    expect(output.pods).toEqual([]);
    expect(output.events).toHaveLength(1);
    expect(output.events[0].object).toBe('Pod/ml/train-0');
    expect(output.events[0].reasons[0].taint).toEqual({ key: 'maintenance.example.com/nic', value: 'in-progress' });
    expect(output.skipped).toEqual({ 'events with reason Pulled': 1 });
  });

  it('exits 1 for a pod that is scheduled', async () => {
    const pod = { kind: 'Pod', metadata: { name: 'web-0', namespace: 'default' }, status: { conditions: [{ type: 'PodScheduled', status: 'True' }] } };
    const result = await run(['explain'], JSON.stringify(pod));
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('pod default/web-0 has nothing to explain (scheduled)');
  });

  it('rejects an unknown option with usage', async () => {
    const result = await run(['explain', '--yaml', 'x']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('unknown option "--yaml"');
    expect(result.stderr).toContain('usage: pitstop explain');
    expect(result.stdout).toBe('');
  });

  it('rejects invalid JSON on stdin', async () => {
    const result = await run(['explain'], '{"kind": "Pod", ');
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/starts with "\{" but is not valid JSON/);
  });

  it('rejects an object it cannot read', async () => {
    const result = await run(['explain'], JSON.stringify({ kind: 'Deployment', metadata: { name: 'x' } }));
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('an object of kind "Deployment"');
  });

  it('points to help after an input error', async () => {
    const result = await run(['explain'], JSON.stringify({ kind: 'Deployment', metadata: { name: 'x' } }));
    expect(result.stderr).toContain('run pitstop explain --help for usage');
    expect(result.stderr).not.toContain('usage: pitstop explain');
  });

  it('exits 1 for text that is not a scheduler message', async () => {
    const result = await run(['explain', 'hello', 'world']);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain('not a recognised scheduler message');
    expect(result.stderr).toContain('PodScheduled condition message or a FailedScheduling event');
  });

  it('prints the reading of unrecognised text as JSON', async () => {
    const result = await run(['explain', '--json', 'hello world']);
    expect(result.code).toBe(1);
    const output = JSON.parse(result.stdout);
    expect(output.component).toBe('unknown');
    expect(output.reasons).toEqual([{ category: 'other', nodes: null, text: 'hello world' }]);
    expect(result.stderr).toContain('not a recognised scheduler message');
  });

  it('explains a lone scheduler error message', async () => {
    const result = await run(['explain', 'nodeinfo not found for node name "gpu-1"']);
    expect(result.code).toBe(0);
    expect(result.stderr).toBe('');
  });

  it('rejects empty input', async () => {
    const result = await run(['explain'], '   \n');
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('no input');
  });

  it('prints help', async () => {
    const result = await run(['explain', '--help']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('usage: pitstop explain [--json] [MESSAGE...]');
  });
});
