import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { main } from '../src/cli.js';
import { loadScenario, ScenarioError } from '../src/replay/scenario.js';

let dir: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'pitstop-replay-inputs-'));
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

const NODE = { apiVersion: 'v1', kind: 'Node', metadata: { name: 'gpu-01' }, status: { conditions: [{ type: 'Ready', status: 'True' }] } };
const POD = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'train-0', namespace: 'ml' }, spec: {}, status: { phase: 'Pending' } };

/** Writes a one-cluster scenario whose steps are `steps` and returns its path. */
function writeScenario(name: string, steps: unknown[]): string {
  const file = join(dir, `${name}.yaml`);
  writeFileSync(
    file,
    stringify({
      name,
      description: 'Input checks.',
      start: '2025-06-10T08:00:00Z',
      slack: { channels: [{ id: 'C0OWN', name: 'gpu-own' }], users: [{ id: 'U0ANA', name: 'ana' }], userGroups: [{ id: 'S0OPS', handle: 'ops' }] },
      config: {
        clusters: [{ name: 'own', vendor: 'generic', channel: 'C0OWN' }],
        teams: [{ name: 'ops', userGroup: 'S0OPS', namespaces: ['default'] }],
      },
      steps,
    }),
  );
  return file;
}

function problemsOf(file: string): string[] {
  try {
    loadScenario(file);
  } catch (error) {
    if (error instanceof ScenarioError) return error.problems;
    throw error;
  }
  return [];
}

describe('replay inputs', () => {
  it('reads a dump saved as UTF-16', () => {
    const list = JSON.stringify({ apiVersion: 'v1', kind: 'List', items: [NODE, POD] }, null, 2);
    writeFileSync(join(dir, 'utf16.json'), Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(list, 'utf16le')]));
    const scenario = loadScenario(writeScenario('utf16', [{ at: '+0', apply: { file: 'utf16.json' } }]));
    const step = scenario.steps[0]!;
    expect(step.action === 'apply' && step.objects.map((object) => object.metadata.name)).toEqual(['gpu-01', 'train-0']);
  });

  it('reads files with a UTF-8 BOM', () => {
    writeFileSync(join(dir, 'bom.json'), `\uFEFF${JSON.stringify(NODE)}`);
    writeFileSync(join(dir, 'bom.yaml'), `\uFEFF${stringify(POD)}`);
    const scenario = loadScenario(
      writeScenario('byte-order-mark', [
        { at: '+0', apply: { file: 'bom.json' } },
        { at: '+0', apply: { file: 'bom.yaml' } },
      ]),
    );
    expect(scenario.steps).toHaveLength(2);
  });

  it('names a List without items', () => {
    const problems = problemsOf(writeScenario('no-items', [{ at: '+0', apply: { kind: 'List', items: { gpu: 1 } } }]));
    expect(problems).toEqual(['steps[0].apply: List has no items list (got items: {"gpu":1}); put the objects under items']);
  });

  it('rejects names no object can have', () => {
    const problems = problemsOf(
      writeScenario('names', [
        {
          at: '+0',
          apply: {
            kind: 'List',
            items: [
              { kind: 'Node', metadata: { name: 'rack 1/gpu-01' } },
              { kind: 'Node', metadata: { name: 42 } },
              { kind: 'Pod', metadata: { name: 'p', namespace: 'ml/train' } },
              { kind: 'Node', metadata: [] },
            ],
          },
        },
      ]),
    );
    expect(problems[0]).toBe(
      `steps[0].apply.items[0]: Node name "rack 1/gpu-01" is not a Kubernetes name: use letters, digits, '-' and '.', without '/' or spaces`,
    );
    expect(problems[1]).toBe('steps[0].apply.items[1]: Node metadata.name must be a string (got 42)');
    expect(problems[2]).toContain('steps[0].apply.items[2]: Pod p has namespace "ml/train"');
    expect(problems[3]).toBe('steps[0].apply.items[3]: Node has no metadata object with a name');
  });

  it('sums up many objects of other kinds', () => {
    const items = Array.from({ length: 40 }, (_, index) => ({ kind: index % 2 === 0 ? 'Service' : 'Deployment', metadata: { name: `s${index}` } }));
    writeFileSync(join(dir, 'all.json'), JSON.stringify({ apiVersion: 'v1', kind: 'List', items: [NODE, ...items] }));
    const problems = problemsOf(writeScenario('all', [{ at: '+0', apply: { file: 'all.json' } }]));
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain('steps[0].apply.file(all.json): 40 objects of kinds Service (20), Deployment (20) cannot be replayed');
    expect(problems[0]).toContain('the first at steps[0].apply.file(all.json).items[1]');
  });

  it('bounds the rule passes of an advance', () => {
    const problems = problemsOf(writeScenario('long-advance', [{ at: '+0', advance: { for: '2d', every: '10s' } }]));
    expect(problems).toEqual([
      'steps[0].advance: 2d every 10s makes 17280 rule passes, more than the 5000 a step may run; set a longer every',
    ]);
    expect(problemsOf(writeScenario('short-advance', [{ at: '+0', advance: { for: '2d', every: '1m' } }]))).toEqual([]);
  });

  it('names the step that failed', async () => {
    const file = writeScenario('bad-click', [
      { at: '+0', apply: NODE },
      { at: '+5m', click: { user: 'ana', button: 'acknowledge', alert: 'AL-7' } },
      { at: '+10m', advance: { for: '5m' } },
    ]);
    let stdout = '';
    let stderr = '';
    const code = await main(['replay', file, '--quiet'], {
      stdin: process.stdin,
      stdout: { write: (text: string) => (stdout += text) },
      stderr: { write: (text: string) => (stderr += text) },
      env: { PITSTOP_LOG_LEVEL: 'silent' },
    });
    expect(code).toBe(1);
    expect(stderr).toContain(`${file}: steps[1] (click at 2025-06-10T08:05:00.000Z) failed: alert AL-7 does not exist`);
    expect(stdout).toMatch(/^Replayed bad-click: 1 step over 5m/);
  }, 20_000);
});
