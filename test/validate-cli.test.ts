import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { main } from '../src/cli.js';

interface Output {
  code: number;
  stdout: string;
  stderr: string;
}

async function pitstop(argv: string[], stdin = ''): Promise<Output> {
  let stdout = '';
  let stderr = '';
  const code = await main(['validate', ...argv], {
    stdin: Readable.from([stdin]),
    stdout: { write: (text: string) => (stdout += text) },
    stderr: { write: (text: string) => (stderr += text) },
    env: {},
  });
  return { code, stdout, stderr };
}

const dir = mkdtempSync(join(tmpdir(), 'pitstop-validate-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

const NOW = '2026-03-02T10:00:00Z';

/** Builds a Node as `kubectl get nodes -o json` prints it. */
function node(
  name: string,
  options: { gpus?: number; bootId?: string; rdma?: number; labels?: Record<string, string> } = {},
) {
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name,
      uid: `uid-${name}`,
      creationTimestamp: '2025-11-01T00:00:00Z',
      labels: { 'nvidia.com/gpu.present': 'true', 'nvidia.com/gpu.count': '8', ...options.labels },
    },
    spec: { providerID: `aws:///us-east-1a/i-${name}` },
    status: {
      capacity: { 'nvidia.com/gpu': '8', 'rdma/rdma_shared_device_a': String(options.rdma ?? 63) },
      allocatable: {
        'nvidia.com/gpu': String(options.gpus ?? 8),
        'rdma/rdma_shared_device_a': String(options.rdma ?? 63),
      },
      conditions: [
        {
          type: 'Ready',
          status: 'True',
          reason: 'KubeletReady',
          lastHeartbeatTime: '2026-03-02T09:59:00Z',
          lastTransitionTime: '2026-03-02T09:00:00Z',
        },
      ],
      nodeInfo: { bootID: options.bootId ?? 'boot-2' },
    },
  };
}

function validatorPod(nodeName: string, ready: boolean) {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: `nvidia-operator-validator-${nodeName}`,
      namespace: 'gpu-operator',
      labels: { app: 'nvidia-operator-validator' },
    },
    spec: {
      nodeName,
      containers: [{ name: 'nvidia-operator-validator', image: 'nvcr.io/nvidia/gpu-operator-validator' }],
    },
    status: {
      phase: ready ? 'Running' : 'Pending',
      conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }],
      initContainerStatuses: [
        {
          name: 'driver-validation',
          ready,
          restartCount: 0,
          image: '',
          imageID: '',
          state: ready ? { terminated: { exitCode: 0 } } : { waiting: { reason: 'PodInitializing' } },
        },
      ],
      containerStatuses: [],
    },
  };
}

const fixtureNode = readFileSync(new URL('./fixtures/nodes.jsonl', import.meta.url), 'utf8')
  .split('\n')
  .filter((line) => line.includes('"gpu-node-02"'))
  .map((line) => JSON.stringify((JSON.parse(line) as { object: unknown }).object))[0]!;

describe('pitstop validate', () => {
  it('prints each check with its evidence', async () => {
    const out = await pitstop([], fixtureNode);
    expect(out.code).toBe(0);
    expect(out.stdout).toContain('gpu-node-02: not ready (gpu_allocatable_short)');
    expect(out.stdout).toMatch(/ {2}fail {5}gpu-allocatable {2}nvidia\.com\/gpu allocatable 7 of 8 \(capacity 8\)/);
    expect(out.stdout).toContain('1 node: 0 ready, 1 not ready, 0 unknown');
  });

  it('matches pods to nodes in a kubectl List', async () => {
    const list = {
      apiVersion: 'v1',
      kind: 'List',
      items: [
        node('gpu-a', { labels: { 'nvidia.com/gpu.deploy.operator-validator': 'true' } }),
        node('gpu-b', { labels: { 'nvidia.com/gpu.deploy.operator-validator': 'true' } }),
        validatorPod('gpu-a', false),
        validatorPod('gpu-b', true),
        { apiVersion: 'v1', kind: 'Service', metadata: { name: 'dcgm-exporter' } },
      ],
      metadata: { resourceVersion: '' },
    };
    const out = await pitstop(['--json', '--now', NOW], JSON.stringify(list));
    expect(out.code).toBe(0);
    const nodes = (
      JSON.parse(out.stdout) as {
        nodes: {
          name: string;
          verdict: string;
          reasons: string[];
          checks: { name: string; result: string; evidence: string }[];
        }[];
      }
    ).nodes;
    expect(nodes.map((entry) => [entry.name, entry.verdict])).toEqual([
      ['gpu-a', 'not_ready'],
      ['gpu-b', 'ready'],
    ]);
    expect(nodes[0]!.reasons).toEqual(['validator_not_ready']);
    const operator = nodes[1]!.checks.find((check) => check.name === 'gpu-operator')!;
    expect(operator).toEqual({
      name: 'gpu-operator',
      result: 'pass',
      evidence: 'nvidia-operator-validator-gpu-b Running and Ready.',
      reasons: [],
    });
    expect(out.stderr).toContain('skipped 1 Service objects');
  });

  it('compares with the nodes from before', async () => {
    const before = file(
      'before.json',
      JSON.stringify({
        kind: 'List',
        items: [node('gpu-a', { bootId: 'boot-1' }), node('gpu-gone', { bootId: 'boot-1' })],
      }),
    );
    const after = JSON.stringify({
      kind: 'NodeList',
      items: [{ ...node('gpu-a', { gpus: 7, bootId: 'boot-1' }), kind: undefined }],
    });
    const out = await pitstop(['--json', '--before', before, '--requires-reboot', '--now', NOW], after);
    const [result] = (
      JSON.parse(out.stdout) as { nodes: { reasons: string[]; checks: { name: string; evidence: string }[] }[] }
    ).nodes;
    expect(result!.reasons).toEqual(['gpu_allocatable_short', 'boot_id_unchanged']);
    expect(result!.checks.find((check) => check.name === 'gpu-allocatable')!.evidence).toBe(
      'nvidia.com/gpu allocatable 7, was 8 before the maintenance.',
    );
    expect(out.stderr).toContain('--before lists 1 node missing from the input: gpu-gone');
  });

  it('reads the validation section of a full config', async () => {
    const config = file(
      'pitstop.yaml',
      stringify({
        clusters: [{ name: 'east', vendor: 'aws', context: 'east', channel: 'C0123ABCD' }],
        validation: { rdmaResources: ['rdma/rdma_shared_device_a'] },
      }),
    );
    const out = await pitstop(['--json', '--config', config, '--now', NOW], JSON.stringify(node('gpu-a', { rdma: 0 })));
    expect(out.stdout).toContain('rdma_missing:rdma/rdma_shared_device_a');
  });

  it('adds RDMA resources from the command line', async () => {
    const input = JSON.stringify(node('gpu-a', { rdma: 0 }));
    const out = await pitstop(['--rdma-resource', 'rdma/rdma_shared_device_a', '--now', NOW], input);
    expect(out.stdout).toContain('gpu-a: not ready (rdma_missing:rdma/rdma_shared_device_a)');
    const unconfigured = await pitstop(['--now', NOW], input);
    expect(unconfigured.stdout).toContain('gpu-a: unknown (rdma_unverified:rdma/rdma_shared_device_a)');
  });

  it('reads a file holding only the validation section', async () => {
    const wrapped = file('wrapped.yaml', 'validation:\n  soak: 2h\n');
    const bare = file('bare.yaml', 'soak: 2h\n');
    for (const config of [wrapped, bare]) {
      const out = await pitstop(['--config', config, '--now', NOW], JSON.stringify(node('gpu-a')));
      expect(out.stdout).toContain('gpu-a: unknown (soak_pending)');
    }
  });

  it('reads YAML input', async () => {
    const out = await pitstop(['--now', NOW], stringify(node('gpu-yaml')));
    expect(out.stdout).toContain('gpu-yaml: ready');
  });

  it('exits 1 with --exit-code unless every node is ready', async () => {
    expect((await pitstop(['--exit-code', '--now', NOW], JSON.stringify(node('gpu-a', { gpus: 7 })))).code).toBe(1);
    expect((await pitstop(['--exit-code', '--now', NOW], JSON.stringify(node('gpu-a')))).code).toBe(0);
  });
});

describe('pitstop validate on bad input', () => {
  it.each([
    ['invalid JSON', [], '{"kind": "Node",', 'stdin is not valid JSON'],
    ['empty input', [], '', 'stdin is empty'],
    [
      'a pod list only',
      [],
      JSON.stringify({ kind: 'PodList', items: [validatorPod('gpu-a', true)] }),
      'the input contains no Node objects',
    ],
    [
      'a node without a name',
      [],
      JSON.stringify({ kind: 'List', items: [{ kind: 'Node', metadata: {} }] }),
      'item 0 is a Node without metadata.name',
    ],
    ['an unknown option', ['--verbose'], '{}', "Unknown option '--verbose'"],
    ['an invalid time', ['--now', 'yesterday'], '{}', 'invalid --now "yesterday"'],
    [
      'a missing before file',
      ['--before', '/nonexistent/before.json'],
      JSON.stringify(node('gpu-a')),
      'cannot read --before /nonexistent/before.json: ENOENT',
    ],
  ])('rejects %s', async (_label, argv, stdin, message) => {
    const out = await pitstop(argv, stdin);
    expect(out.code).toBe(2);
    expect(out.stderr).toContain(message);
    expect(out.stdout).toBe('');
  });

  it('points to help after an input error', async () => {
    const out = await pitstop(['/nonexistent/nodes.json'], '');
    expect(out.code).toBe(2);
    expect(out.stderr).toContain('cannot read input /nonexistent/nodes.json: ENOENT');
    expect(out.stderr).toContain('run pitstop validate --help for usage');
    expect(out.stderr).not.toContain('usage: pitstop validate');
  });

  it('prints usage after an option error', async () => {
    const out = await pitstop(['--verbose'], '{}');
    expect(out.stderr).toContain('usage: pitstop validate');
  });

  it('names the invalid config field', async () => {
    const config = file('bad.yaml', 'validation:\n  soak: soon\n');
    const out = await pitstop(['--config', config], JSON.stringify(node('gpu-a')));
    expect(out.code).toBe(2);
    expect(out.stderr).toContain('validation.soak: expected a duration such as 90s, 10m, 1h30m or 2d (got "soon")');
  });
});
