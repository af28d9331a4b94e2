import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { loadScenario, parseScenario, ScenarioError, type Scenario } from '../src/replay/scenario.js';

let dir: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'pitstop-scenario-test-'));
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

const node = {
  apiVersion: 'v1',
  kind: 'Node',
  metadata: { name: 'gpu-node-01', resourceVersion: '81234', labels: { 'nvidia.com/gpu.product': 'NVIDIA-H100-80GB-HBM3' } },
  status: { allocatable: { 'nvidia.com/gpu': '8' }, capacity: { 'nvidia.com/gpu': '8' } },
};

function baseScenario(steps: unknown[], clusters = [{ name: 'aws-east', vendor: 'aws', channel: 'C0EAST' }]): Record<string, unknown> {
  return {
    name: 'small',
    description: 'a small scenario',
    start: '2025-06-10T08:00:00Z',
    slack: {
      channels: [
        { id: 'C0EAST', name: 'gpu-east' },
        { id: 'C0WEST', name: 'gpu-west' },
      ],
      users: [{ id: 'U0ANA', name: 'ana' }],
      userGroups: [{ id: 'S0TRAIN', handle: 'training', users: ['U0ANA'] }],
    },
    config: { clusters, teams: [{ name: 'training', userGroup: 'S0TRAIN', namespaces: ['train'] }] },
    steps,
  };
}

function parse(document: Record<string, unknown>): Scenario {
  return parseScenario(stringify(document), join(dir, 'scenario.yaml'));
}

/** Returns the problems a document's validation reports, one line each. */
function problems(document: Record<string, unknown>): string[] {
  try {
    parse(document);
  } catch (error) {
    if (error instanceof ScenarioError) return error.problems;
    throw error;
  }
  throw new Error('the scenario was accepted');
}

describe('scenario validation', () => {
  it('accepts the shipped scenario', () => {
    const scenario = loadScenario(join(import.meta.dirname, '..', 'scenarios', 'nic-firmware-maintenance.yaml'));
    expect(scenario.config.clusters.map((cluster) => cluster.name)).toEqual(['aws-use1-h100', 'oci-ord-a100']);
    expect(scenario.config.maintenance.maintenances[0]!.id).toBe('MX-12');
    const actions = new Set(scenario.steps.map((step) => step.action));
    expect([...actions].sort()).toEqual(['advance', 'apply', 'click', 'command', 'delete', 'expect']);
  });

  it('resolves offsets, users, channels and the only cluster', () => {
    const scenario = parse(
      baseScenario([
        { at: '+0', apply: node },
        { at: '+1h30m', command: { user: 'ana', channel: '#gpu-east', text: '/pitstop help' } },
        { at: '2025-06-10T10:00:00Z', advance: { for: '1h', every: '15m' } },
      ]),
    );
    const [apply, command, advance] = scenario.steps;
    expect(apply).toMatchObject({ action: 'apply', cluster: 'aws-east', at: new Date('2025-06-10T08:00:00Z') });
    expect(command).toMatchObject({ action: 'command', user: 'U0ANA', channel: 'C0EAST', command: '/pitstop', text: 'help' });
    expect(command!.at).toEqual(new Date('2025-06-10T09:30:00Z'));
    expect(advance).toMatchObject({ action: 'advance', forMs: 3_600_000, everyMs: 900_000 });
  });

  it('reads an unquoted +0 in YAML', () => {
    const text = stringify(baseScenario([{ at: 'PLACEHOLDER', advance: { for: '1h' } }])).replace("at: PLACEHOLDER", 'at: +0');
    expect(text).toContain('at: +0');
    const scenario = parseScenario(text, join(dir, 'plus-zero.yaml'));
    expect(scenario.steps[0]!.at).toEqual(new Date('2025-06-10T08:00:00Z'));
  });

  it('reads a kubectl List and drops dumped resource versions', () => {
    const file = join(dir, 'cluster.json');
    writeFileSync(
      file,
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'List',
        metadata: { resourceVersion: '' },
        items: [node, { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'train-0' }, spec: {}, status: { phase: 'Pending' } }],
      }),
    );
    const scenario = parse(baseScenario([{ at: '+0', apply: { file: 'cluster.json' } }]));
    const step = scenario.steps[0]!;
    if (step.action !== 'apply') throw new Error('expected an apply step');
    expect(step.objects.map((object) => object.kind)).toEqual(['Node', 'Pod']);
    expect(step.objects[0]!.metadata.resourceVersion).toBeUndefined();
    expect(step.objects[1]!.metadata.namespace).toBe('default');
  });

  it('reads typed lists whose items carry no kind', () => {
    const scenario = parse(baseScenario([{ at: '+0', apply: { kind: 'NodeList', apiVersion: 'v1', items: [{ metadata: { name: 'a' } }] } }]));
    const step = scenario.steps[0]!;
    if (step.action !== 'apply') throw new Error('expected an apply step');
    expect(step.objects[0]!.kind).toBe('Node');
  });

  it('rejects a step with no action', () => {
    expect(problems(baseScenario([{ at: '+0', note: 'nothing' }]))).toEqual([
      'steps[0]: expected exactly one of apply, delete, click, command, advance, expect (got fields at, note)',
    ]);
  });

  it('rejects a step with two actions', () => {
    expect(problems(baseScenario([{ at: '+0', apply: node, advance: { for: '1h' } }]))).toEqual([
      'steps[0]: expected exactly one of apply, delete, click, command, advance, expect (got apply, advance)',
    ]);
  });

  it('rejects a malformed time', () => {
    const [problem] = problems(baseScenario([{ at: '10 minutes', advance: { for: '1h' } }]));
    expect(problem).toMatch(/^steps\[0\]\.at: expected an offset from the start such as \+10m/);
    expect(problem).toContain('(got "10 minutes")');
  });

  it('rejects steps out of time order', () => {
    const [problem] = problems(baseScenario([{ at: '+1h', advance: { for: '30m' } }, { at: '+1h10m', apply: node }]));
    expect(problem).toBe(
      'steps[1].at: 2025-06-10T09:10:00.000Z is before the end of the previous step (2025-06-10T09:30:00.000Z); ' +
        'steps must be in time order',
    );
  });

  it('requires a cluster when the config has several', () => {
    const clusters = [
      { name: 'aws-east', vendor: 'aws', channel: 'C0EAST' },
      { name: 'oci-west', vendor: 'oci', channel: 'C0WEST' },
    ];
    expect(problems(baseScenario([{ at: '+0', apply: node }], clusters))).toEqual([
      'steps[0].cluster: missing; name one of aws-east, oci-west',
    ]);
    expect(problems(baseScenario([{ at: '+0', cluster: 'gcp-north', apply: node }], clusters))).toEqual([
      'steps[0].cluster: "gcp-north" is not a cluster of the config (aws-east, oci-west)',
    ]);
  });

  it('names a missing data file', () => {
    const [problem] = problems(baseScenario([{ at: '+0', apply: { file: 'missing.json' } }]));
    expect(problem).toMatch(/^steps\[0\]\.apply\.file: cannot read .*missing\.json/);
  });

  it('names an item of a kind that cannot be replayed', () => {
    writeFileSync(
      join(dir, 'mixed.json'),
      JSON.stringify({ kind: 'List', items: [node, { apiVersion: 'v1', kind: 'Service', metadata: { name: 'api' } }] }),
    );
    expect(problems(baseScenario([{ at: '+0', apply: { file: 'mixed.json' } }]))).toEqual([
      'steps[0].apply.file(mixed.json).items[1]: kind Service cannot be replayed; keep only Node and Pod objects (kubectl get nodes,pods -A -o json)',
    ]);
  });

  it('rejects an object without a name', () => {
    expect(problems(baseScenario([{ at: '+0', apply: { kind: 'Node', metadata: {} } }]))).toEqual([
      'steps[0].apply: Node has no metadata.name',
    ]);
  });

  it('rejects an unknown user and channel', () => {
    expect(
      problems(baseScenario([{ at: '+0', command: { user: 'bob', channel: '#gpu-north', text: '/pitstop help' } }])),
    ).toEqual([
      'steps[0].command.user: "bob" is not declared under slack.users (by id or name)',
      'steps[0].command.channel: "#gpu-north" is not declared under slack.channels (by id or name)',
    ]);
  });

  it('requires a selector for {alert} in a command', () => {
    expect(problems(baseScenario([{ at: '+0', command: { user: 'ana', channel: 'gpu-east', text: '/pitstop ack {alert}' } }]))).toEqual([
      'steps[0].command.alert: the text contains {alert}; select the alert it stands for',
    ]);
  });

  it('requires a click to name an alert or a maintenance', () => {
    expect(problems(baseScenario([{ at: '+0', click: { user: 'ana', button: 'acknowledge' } }]))).toEqual([
      'steps[0].click: name exactly one of alert or maintenance: the message whose button is clicked',
    ]);
    const [button] = problems(baseScenario([{ at: '+0', click: { user: 'ana', button: 'approve', maintenance: 'MX-1' } }]));
    expect(button).toMatch(/^steps\[0\]\.click\.button: /);
    expect(button).toContain('(got "approve")');
  });

  it('rejects a tick longer than the advance', () => {
    expect(problems(baseScenario([{ at: '+0', advance: { for: '10m', every: '1h' } }]))).toEqual([
      'steps[0].advance.every: must be more than 0 and at most 10m',
    ]);
  });

  it('reports config problems under config', () => {
    const document = baseScenario([{ at: '+0', apply: node }], [{ name: 'aws-east', vendor: 'aws', channel: '#gpu-east' }]);
    const [problem] = problems(document);
    expect(problem).toBe('config.clusters[0].channel: expected a Slack channel id such as C0123ABCD (not a #name) (got "#gpu-east")');
  });

  it('checks maintenance scopes as start-up does', () => {
    const document = baseScenario([{ at: '+0', apply: node }]);
    (document.config as Record<string, unknown>).maintenance = {
      maintenances: [
        {
          id: 'MX-1',
          title: 'Reimage',
          kind: 'reimage',
          vendor: 'aws',
          owner: 'fleet-ops',
          clusters: [{ cluster: 'aws-east', scope: { labelSelector: 'rack in (r1' } }],
          start: '2025-06-10T09:00:00Z',
          end: '2025-06-10T10:00:00Z',
        },
      ],
    };
    const [problem] = problems(document);
    expect(problem).toMatch(/^config\.maintenance\.maintenances\[0\]\.clusters\[0\]\.scope\.labelSelector: invalid label selector/);
  });

  it('requires config channels and user groups under slack', () => {
    const document = baseScenario([{ at: '+0', apply: node }], [{ name: 'aws-east', vendor: 'aws', channel: 'C0NORTH' }]);
    (document.config as { teams: unknown[] }).teams = [{ name: 'training', userGroup: 'S0OTHER', namespaces: ['train'] }];
    expect(problems(document)).toEqual([
      'config.clusters[0].channel: C0NORTH is not declared under slack.channels',
      'config.teams[0].userGroup: S0OTHER is not declared under slack.userGroups',
    ]);
  });

  it('rejects a cluster connection in a scenario', () => {
    const document = baseScenario([{ at: '+0', apply: node }], [
      { name: 'aws-east', vendor: 'aws', channel: 'C0EAST', context: 'prod', kubeconfig: '~/.kube/config' } as never,
    ]);
    expect(problems(document)).toEqual(['config.clusters[0]: a replay provides the cluster; remove kubeconfig']);
  });

  it('reports YAML syntax errors', () => {
    expect(() => parseScenario('name: [unclosed', join(dir, 'broken.yaml'))).toThrow(/YAML syntax/);
  });

  it('lists every problem at once', () => {
    const found = problems(baseScenario([{ at: 'soon', advance: { for: '1h' } }, { at: '+0' }, { at: '+0', click: { user: 'zed', button: 'acknowledge', alert: 'AL-1' } }]));
    expect(found.length).toBe(3);
    expect(found[0]).toMatch(/^steps\[0\]\.at/);
    expect(found[1]).toMatch(/^steps\[1\]: expected exactly one/);
    expect(found[2]).toMatch(/^steps\[2\]\.click\.user/);
  });
});
