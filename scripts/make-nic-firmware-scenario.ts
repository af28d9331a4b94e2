/**
 * Generates scenarios/nic-firmware-maintenance.yaml and its data files: a NIC firmware maintenance (MX-12)
 * on an AWS H100 cluster and an OCI A100 cluster, from the announcement to a long tail of partial recoveries.
 *
 * Run with `npx tsx scripts/make-nic-firmware-scenario.ts`. The output is deterministic: ids, names and
 * boot ids derive from fixed seeds, so regenerating rewrites identical files.
 */
import { rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import { awsPool, buildNodes, ociPool, validatorPod, workloadPod, type WorkloadSpec } from './scenario-kit/fleet.js';
import { addMinutes, iso, type SimNode, type SimPod } from './scenario-kit/model.js';
import { ClusterRecorder } from './scenario-kit/recorder.js';
import { Simulation, type ReturnFault } from './scenario-kit/simulation.js';

const NAME = 'nic-firmware-maintenance';
const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const scenarioDir = join(root, 'scenarios');
const dataDir = join(scenarioDir, NAME);

const SCENARIO_START = new Date('2025-06-09T09:30:00Z');
const WINDOW_START = new Date('2025-06-10T10:00:00Z');
const WINDOW_END = new Date('2025-06-10T14:00:00Z');
const at = (minutesFromWindowStart: number) => addMinutes(WINDOW_START, minutesFromWindowStart);
const DRAIN_TAINT = 'medik8s.io/drain';
const RESEARCH_TAINT = { key: 'dedicated', value: 'research' };

const AWS = awsPool.cluster;
const OCI = ociPool.cluster;

const workloads: WorkloadSpec[] = [
  {
    cluster: AWS,
    namespace: 'inference-prod',
    kind: 'Deployment',
    name: 'chat-llm',
    replicas: 32,
    image: 'nvcr.io/nvidia/tritonserver:24.05-trtllm-python-py3',
    requests: { cpu: '40', memory: '400Gi', 'nvidia.com/gpu': '4' },
    priorityClassName: 'serving-critical',
    priority: 100000,
    nodeSelector: { 'nvidia.com/gpu.product': 'NVIDIA-H100-80GB-HBM3' },
  },
  {
    cluster: AWS,
    namespace: 'llm-train',
    kind: 'PyTorchJob',
    name: 'llama3-70b-pretrain',
    replicas: 32,
    image: 'nvcr.io/nvidia/pytorch:24.05-py3',
    requests: { cpu: '90', memory: '900Gi', 'nvidia.com/gpu': '8', 'vpc.amazonaws.com/efa': '32' },
    priorityClassName: 'training-standard',
    priority: 1000,
    nodeSelector: { 'nvidia.com/gpu.product': 'NVIDIA-H100-80GB-HBM3' },
  },
  {
    cluster: OCI,
    namespace: 'inference-prod',
    kind: 'Deployment',
    name: 'embed-api',
    replicas: 16,
    image: 'nvcr.io/nvidia/tritonserver:24.05-py3',
    requests: { cpu: '32', memory: '256Gi', 'nvidia.com/gpu': '4' },
    priorityClassName: 'serving-critical',
    priority: 100000,
    nodeSelector: { 'node-pool': 'a100-train' },
  },
  {
    cluster: OCI,
    namespace: 'vision-train',
    kind: 'PyTorchJob',
    name: 'detector-v5-pretrain',
    replicas: 24,
    image: 'nvcr.io/nvidia/pytorch:24.05-py3',
    requests: { cpu: '112', memory: '900Gi', 'nvidia.com/gpu': '8', 'nvidia.com/sriov_rdma_vf': '16' },
    priorityClassName: 'training-standard',
    priority: 1000,
    nodeSelector: { 'node-pool': 'a100-train' },
  },
  {
    cluster: OCI,
    namespace: 'research',
    kind: 'Job',
    name: 'eval-sweep',
    replicas: 64,
    image: 'ghcr.io/acme-ml/eval-harness:2025.06',
    requests: { cpu: '24', memory: '120Gi', 'nvidia.com/gpu': '1' },
    priorityClassName: 'research-batch',
    priority: 1000,
    nodeSelector: { 'node-pool': 'research' },
    tolerations: [{ key: RESEARCH_TAINT.key, operator: 'Equal', value: RESEARCH_TAINT.value, effect: 'NoSchedule' }],
  },
];

/** A job that requests more GPUs per pod than any node has, so it can never be scheduled. */
const neverFits: WorkloadSpec = {
  cluster: OCI,
  namespace: 'research',
  kind: 'Job',
  name: 'moe-expert-probe',
  replicas: 1,
  image: 'ghcr.io/acme-ml/moe-probe:0.4.1',
  requests: { cpu: '48', memory: '800Gi', 'nvidia.com/gpu': '16' },
  priorityClassName: 'research-batch',
  priority: 1000,
  tolerations: [{ key: RESEARCH_TAINT.key, operator: 'Equal', value: RESEARCH_TAINT.value, effect: 'NoSchedule' }],
};

function buildFleet(): Simulation {
  const created = new Date('2025-03-02T08:00:00Z');
  const podsCreated = new Date('2025-06-08T22:00:00Z');
  const nodes = [
    ...buildNodes(awsPool, created, SCENARIO_START),
    ...buildNodes(ociPool, created, SCENARIO_START, { rack: 4, ...RESEARCH_TAINT }),
  ];
  const pods: SimPod[] = nodes.map((node) => validatorPod(node, 'gpu-operator', created));
  const simulation = new Simulation(nodes, pods, [...workloads, neverFits], DRAIN_TAINT);
  const initial = workloads.flatMap((spec) =>
    Array.from({ length: spec.replicas }, (_, index) => workloadPod(spec, index, 0, podsCreated)),
  );
  simulation.add(initial, podsCreated);
  const pending = simulation.pods.filter((pod) => pod.nodeName === undefined);
  if (pending.length > 0) throw new Error(`${pending.length} pods do not fit the fleet before the maintenance`);
  return simulation;
}

/** Nodes in MX-12's scope: the whole AWS cluster and the four training racks of the OCI cluster. */
function inScope(simulation: Simulation, cluster: string): SimNode[] {
  return simulation.nodes.filter(
    (node) => node.cluster === cluster && (cluster === AWS || node.labels['node-pool'] === 'a100-train'),
  );
}

function awsNode(rack: number, slot: number): string {
  return awsPool.nodeName(rack, slot);
}

function ociNode(rack: number, slot: number): string {
  return ociPool.nodeName(rack, slot);
}

/** The long tail: how the nodes that do not come back cleanly fail. */
const faults = new Map<string, ReturnFault>([
  [awsNode(2, 7), { kind: 'gpus', allocatable: 7 }],
  [awsNode(3, 7), { kind: 'gpus', allocatable: 0, validator: { failing: 'driver-validation' } }],
  [
    awsNode(4, 7),
    {
      kind: 'not-ready',
      message:
        'container runtime network not ready: NetworkReady=false reason:NetworkPluginNotReady message:Network plugin returns error: cni plugin not initialized',
    },
  ],
  [awsNode(5, 3), { kind: 'rdma-missing' }],
  [ociNode(0, 5), { kind: 'validator', validator: { failing: 'plugin-validation' } }],
  [ociNode(1, 4), { kind: 'rdma-missing' }],
  [ociNode(3, 2), { kind: 'gpus', allocatable: 0, validator: { failing: 'cuda-validation' } }],
]);
/** Nodes the operator uncordoned while its drain taint stayed behind. */
const leftoverTaint = new Set([awsNode(0, 7), awsNode(2, 3)]);
/** A node nobody uncordoned after it came back. */
const stillCordoned = ociNode(2, 2);

interface StepSpec {
  at: Date;
  note?: string;
  cluster?: string;
  [action: string]: unknown;
}

function main(): void {
  rmSync(dataDir, { recursive: true, force: true });
  const simulation = buildFleet();
  const recorders = [AWS, OCI].map((cluster) => new ClusterRecorder(cluster, join(dataDir, cluster), `${NAME}/${cluster}`));
  const steps: StepSpec[] = [];
  const record = (phase: string, time: Date, notes: Record<string, string>, clusters = [AWS, OCI]) => {
    for (const recorder of recorders.filter((candidate) => clusters.includes(candidate.cluster))) {
      const files = recorder.record(phase, simulation.nodes, simulation.pods);
      const note = notes[recorder.cluster];
      if (files.deleteFile) steps.push({ at: time, cluster: recorder.cluster, ...(note ? { note } : {}), delete: { file: files.deleteFile } });
      if (files.applyFile) {
        steps.push({ at: time, cluster: recorder.cluster, ...(note && !files.deleteFile ? { note } : {}), apply: { file: files.applyFile } });
      }
    }
  };
  const advance = (from: Date, minutes: number, every?: number, note?: string) =>
    steps.push({ at: from, ...(note ? { note } : {}), advance: { for: `${minutes}m`, ...(every ? { every: `${every}m` } : {}) } });

  record('00-fleet', SCENARIO_START, {
    [AWS]: '48 H100 nodes running a 32-worker pretraining job and 32 inference replicas',
    [OCI]: '40 A100 nodes: 32 on the training racks in scope, 8 on a research rack out of scope',
  });
  advance(addMinutes(SCENARIO_START, 20), 20, 5, 'MX-12 is 24 hours away');
  advance(at(-70), 20, 5, 'MX-12 is one hour away');
  advance(at(-5), 10, 5, 'the window opens');

  const awsScope = inScope(simulation, AWS);
  const ociScope = inScope(simulation, OCI);
  const scope = [...awsScope, ...ociScope];
  simulation.cordon(scope, at(5));
  record('01-cordon', at(5), { [AWS]: 'NodeMaintenance cordons all 48 nodes', [OCI]: 'NodeMaintenance cordons the 32 nodes in scope' });
  simulation.drain(scope, at(10));
  record('02-drain', at(10), { [AWS]: 'drain evicts the workloads; controllers recreate them pending', [OCI]: 'drain evicts the workloads' });
  advance(at(10), 15, 5);
  simulation.goDown(scope, at(25));
  record('03-down', at(25), { [AWS]: 'nodes reboot into the new NIC firmware', [OCI]: 'nodes reboot into the new NIC firmware' });
  advance(at(25), 135, 15, 'firmware flashing');

  simulation.comeBack(scope, at(160), faults);
  record('04-back', at(160), { [AWS]: 'nodes boot, still cordoned; a few come back broken', [OCI]: 'nodes boot, still cordoned' });
  advance(at(160), 20, 5);
  simulation.uncordon(awsScope, at(180), leftoverTaint);
  simulation.uncordon(ociScope.filter((node) => node.name !== stillCordoned), at(180));
  record('05-uncordon', at(180), {
    [AWS]: 'the operator uncordons; two nodes keep the drain taint',
    [OCI]: 'the operator uncordons all but one node',
  });
  simulation.reschedule(at(181));
  record('06-scheduled', at(181), { [AWS]: 'the scheduler places what fits', [OCI]: 'the scheduler places what fits' });
  advance(at(181), 89, 5, 'the window ends at 14:00 with pods still pending');

  steps.push({
    at: at(270),
    note: 'the training team acknowledges its alert',
    click: { user: 'priya', button: 'acknowledge', alert: { cluster: AWS, team: 'llm-training' } },
  });
  advance(at(270), 35, 5, 'nobody answers the vision team alert');
  simulation.add([workloadPod(neverFits, 0, 0, at(305))], at(305));
  record('07-probe', at(305), { [OCI]: 'a research job asks for 16 GPUs in one pod' }, [OCI]);
  advance(at(305), 20, 5);
  steps.push({
    at: at(325),
    note: 'the research team acknowledges from the command line',
    command: { user: 'dana', channel: '#gpu-oci-a100', text: '/pitstop ack {alert}', alert: { cluster: OCI, team: 'research' } },
  });
  advance(at(325), 15, 5);
  const tainted = [...leftoverTaint].map((name) => simulation.node(AWS, name));
  simulation.removeTaint(tainted, DRAIN_TAINT, at(340));
  record('08-taint-removed', at(340), { [AWS]: `an engineer removes the leftover ${DRAIN_TAINT} taint` }, [AWS]);
  simulation.reschedule(at(341));
  record('09-scheduled', at(341), { [AWS]: 'two more training workers start' }, [AWS]);
  advance(at(341), 20, 5, 'the long tail remains');
  const awsTail = [...faults.keys()].filter((name) => simulation.nodes.some((node) => node.cluster === AWS && node.name === name));
  const ociTail = [...faults.keys(), stillCordoned].filter((name) => simulation.nodes.some((node) => node.cluster === OCI && node.name === name));
  steps.push({
    at: at(361),
    note: 'the long tail and the acknowledgement show in the channel',
    expect: { channel: '#gpu-aws-h100', contains: ['MX-12', ...awsTail, 'Acknowledged by @priya'] },
  });
  steps.push({
    at: at(361),
    note: 'the long tail, the escalation and the job that never fits show in the channel',
    expect: { channel: '#gpu-oci-a100', contains: ['MX-12', ...ociTail, '@gpu-oncall', 'moe-expert-probe', 'Acknowledged by @dana'] },
  });
  writeScenario(steps);
  summarize(simulation);
}

function writeScenario(steps: StepSpec[]): void {
  const document = {
    name: NAME,
    description:
      'MX-12, a NIC firmware security update, runs on an AWS H100 cluster and on the training racks of an OCI A100 ' +
      'cluster. Most nodes come back validated; a long tail does not (a leftover drain taint, GPUs missing from ' +
      'allocatable, a node NotReady, a failing GPU operator validator, RDMA devices missing, a node left cordoned), ' +
      'and training pods stay pending past the window. One alert is acknowledged, one escalates, and a research ' +
      'job that can never fit raises its own alert.',
    start: iso(SCENARIO_START),
    tick: '5m',
    slack,
    config: scenarioConfig(),
    steps: steps.map(({ at: time, ...rest }) => ({ at: iso(time), ...rest })),
  };
  const header =
    '# Generated by scripts/make-nic-firmware-scenario.ts; edit the script and regenerate instead of editing this file.\n' +
    '# Replay it with `npm run demo` or `pitstop replay scenarios/nic-firmware-maintenance.yaml`.\n';
  writeFileSync(join(scenarioDir, `${NAME}.yaml`), header + stringify(document, { lineWidth: 120 }));
}

const slack = {
  channels: [
    { id: 'C0AWSH100', name: 'gpu-aws-h100' },
    { id: 'C0OCIA100', name: 'gpu-oci-a100' },
  ],
  users: [
    { id: 'U0PRIYA01', name: 'priya', realName: 'Priya Raman' },
    { id: 'U0MARCO01', name: 'marco', realName: 'Marco Bianchi' },
    { id: 'U0DANA001', name: 'dana', realName: 'Dana Levi' },
    { id: 'U0LENA001', name: 'lena', realName: 'Lena Fischer' },
    { id: 'U0SAM0001', name: 'sam', realName: 'Sam Okafor' },
    { id: 'U0KOFI001', name: 'kofi', realName: 'Kofi Mensah' },
  ],
  userGroups: [
    { id: 'S0LLMTRAIN', handle: 'llm-training', name: 'LLM training', users: ['U0PRIYA01'] },
    { id: 'S0VISION01', handle: 'vision', name: 'Vision', users: ['U0MARCO01'] },
    { id: 'S0INFER001', handle: 'inference', name: 'Inference', users: ['U0LENA001'] },
    { id: 'S0RESEARCH', handle: 'research', name: 'Research', users: ['U0DANA001'] },
    { id: 'S0FLEETOPS', handle: 'fleet-ops', name: 'Fleet operations', users: ['U0SAM0001'] },
    { id: 'S0GPUONCAL', handle: 'gpu-oncall', name: 'GPU on-call', users: ['U0KOFI001'] },
  ],
};

function scenarioConfig(): Record<string, unknown> {
  const ociRacks = [0, 1, 2, 3].map((rack) => ociPool.rackId(rack));
  return {
    clusters: [
      { name: AWS, vendor: 'aws', channel: 'C0AWSH100', rackLabel: awsPool.rackLabel },
      { name: OCI, vendor: 'oci', channel: 'C0OCIA100', rackLabel: ociPool.rackLabel },
    ],
    teams: [
      { name: 'llm-training', userGroup: 'S0LLMTRAIN', namespaces: ['llm-train'], escalateTo: 'S0GPUONCAL' },
      { name: 'vision', userGroup: 'S0VISION01', namespaces: ['vision-train'], escalateTo: 'S0GPUONCAL' },
      { name: 'inference', userGroup: 'S0INFER001', namespaces: ['inference-prod'], escalateTo: 'S0GPUONCAL' },
      { name: 'research', userGroup: 'S0RESEARCH', namespaces: ['research'] },
      { name: 'fleet-ops', userGroup: 'S0FLEETOPS', namespaces: ['gpu-operator'], escalateTo: 'S0GPUONCAL' },
    ],
    alerting: { pendingAfter: '10m', escalateAfter: '30m', snoozeChoices: ['1h', '4h', '1d'] },
    maintenance: {
      announceBefore: ['24h', '1h'],
      maintenances: [
        {
          id: 'MX-12',
          title: 'NIC firmware security update (ConnectX-7 28.39.2048, EFA)',
          kind: 'firmware',
          vendor: 'generic',
          owner: 'S0FLEETOPS',
          clusters: [
            { cluster: AWS, scope: { all: true } },
            { cluster: OCI, scope: { racks: ociRacks } },
          ],
          start: iso(WINDOW_START),
          end: iso(WINDOW_END),
        },
      ],
    },
    validation: {
      rdmaResources: ['vpc.amazonaws.com/efa', 'nvidia.com/sriov_rdma_vf'],
      maintenanceTaints: [DRAIN_TAINT],
      soak: '10m',
      gpuOperatorNamespace: 'gpu-operator',
    },
    roles: { maintainers: ['S0FLEETOPS'], remediators: ['S0FLEETOPS'] },
  };
}

function summarize(simulation: Simulation): void {
  for (const cluster of [AWS, OCI]) {
    const pods = simulation.pods.filter((pod) => pod.cluster === cluster);
    const pending = pods.filter((pod) => pod.nodeName === undefined);
    const byNamespace = new Map<string, number>();
    for (const pod of pending) byNamespace.set(pod.namespace, (byNamespace.get(pod.namespace) ?? 0) + 1);
    process.stdout.write(
      `${cluster}: ${simulation.nodes.filter((node) => node.cluster === cluster).length} nodes, ${pods.length} pods, ` +
        `pending at the end: ${[...byNamespace].map(([namespace, count]) => `${namespace} ${count}`).join(', ') || 'none'}\n`,
    );
  }
}

main();
