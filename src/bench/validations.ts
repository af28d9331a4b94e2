import { validationSchema } from '../config/schema.js';
import { toNodeView, toPodView, type NodeView, type PodView } from '../k8s/views.js';
import { snapshotNode, validateNode, type NodeSnapshot, type NodeValidation, type ValidationInput } from '../maintenance/validations.js';
import { BENCH_NOW, gpuNodeObject, nodeBeforeMaintenance, operatorPodObject, planNodeStates, RDMA_RESOURCE, type NodeState } from './fixture-nodes.js';
import { check, MemoryProbe, median, significant, timeCall, type CaseResult } from './measure.js';

export interface ValidationBenchOptions {
  nodes: number;
  runs: number;
}

const OPERATOR_NAMESPACE = 'gpu-operator';
const OPERANDS = ['nvidia-operator-validator', 'nvidia-device-plugin-daemonset', 'nvidia-driver-daemonset'];
const STARTED_AT = new Date(BENCH_NOW.getTime() - 6 * 3_600_000).toISOString();
const RETURNED_AT = new Date(BENCH_NOW.getTime() - 2 * 3_600_000).toISOString();

interface NodeRun {
  node: NodeView;
  before: NodeSnapshot;
  pods: PodView[];
}

/** Share of each failure state among the nodes; the rest (70%) returned healthy. */
const FAILURE_SHARES: Partial<Record<NodeState, number>> = {
  cordoned: 0.05,
  'gpu-health-taint': 0.05,
  'not-ready': 0.04,
  'gpu-short': 0.04,
  'xid-error': 0.04,
  'rdma-missing': 0.04,
  'operand-paused': 0.04,
};

function prepareNodes(count: number, config: ValidationInput['config']): { runs: NodeRun[]; states: NodeState[] } {
  const counts = Object.fromEntries(Object.entries(FAILURE_SHARES).map(([state, share]) => [state, Math.round(count * share)]));
  const states = planNodeStates(count, counts);
  const runs = states.map((state, index) => ({
    node: toNodeView(gpuNodeObject(index, state)),
    before: snapshotNode(toNodeView(nodeBeforeMaintenance(index)), config, STARTED_AT),
    pods: OPERANDS.map((app) => toPodView(operatorPodObject(index, app, OPERATOR_NAMESPACE))),
  }));
  return { runs, states };
}

function validateAll(runs: readonly NodeRun[], config: ValidationInput['config']): NodeValidation[] {
  return runs.map((run) =>
    validateNode(run.node, {
      config,
      before: run.before,
      pods: run.pods,
      maintenance: { startedAt: STARTED_AT, requiresReboot: true },
      returnedAt: RETURNED_AT,
      now: BENCH_NOW,
    }),
  );
}

/**
 * Measures validateNode over a fleet of nodes that came back from a reboot maintenance, each with its snapshot from
 * before and its GPU operator pods: wall time for all nodes, median of `runs`.
 */
export function benchValidations(options: ValidationBenchOptions): CaseResult {
  const probe = MemoryProbe.start();
  const config = validationSchema.parse({ rdmaResources: [RDMA_RESOURCE], maintenanceTaints: ['nvidia.com/gpu.health'] });
  const { runs, states } = prepareNodes(options.nodes, config);
  // An untimed pass over a few nodes lets V8 compile the checks before the timed runs.
  validateAll(runs.slice(0, 500), config);
  let results: NodeValidation[] = [];
  const times = Array.from({ length: options.runs }, () => timeCall(() => (results = validateAll(runs, config))));
  const wall = median(times);
  const memory = probe.finish();

  const verdicts = { ready: 0, not_ready: 0, unknown: 0 };
  for (const result of results) verdicts[result.verdict] += 1;
  const healthy = states.filter((state) => state === 'healthy').length;
  const misjudged = results.filter((result, index) => (states[index] === 'healthy') !== (result.verdict === 'ready')).length;
  const checksPerNode = results.reduce((sum, result) => sum + result.checks.length, 0) / Math.max(1, results.length);

  return {
    id: 'validations',
    title: `Readiness validations (validateNode), ${options.nodes.toLocaleString('en-US')} nodes`,
    metrics: [
      { name: `wall time, ${options.nodes.toLocaleString('en-US')} nodes (median of ${options.runs})`, value: significant(wall), unit: 'ms' },
      { name: 'throughput', value: Math.round(options.nodes / (wall / 1000)), unit: 'nodes/s' },
      { name: 'mean time per node', value: significant((wall * 1000) / options.nodes), unit: 'µs' },
      { name: 'checks per node', value: significant(checksPerNode), unit: 'checks' },
      { name: 'verdict ready', value: verdicts.ready, unit: 'nodes' },
      { name: 'verdict not_ready', value: verdicts.not_ready, unit: 'nodes' },
      { name: 'verdict unknown', value: verdicts.unknown, unit: 'nodes' },
    ],
    memory,
    checks: [
      check('every node got a verdict', results.length === options.nodes, `${results.length} of ${options.nodes}`),
      check(
        'exactly the healthy nodes are ready',
        misjudged === 0,
        `${healthy} healthy nodes, ${verdicts.ready} ready; ${misjudged} nodes judged against their state`,
      ),
    ],
  };
}
