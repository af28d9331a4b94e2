import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { KubeConfig } from '@kubernetes/client-node';
import { createFleetWatch, type FleetWatch } from '../k8s/watch.js';
import { silentLogger } from '../log.js';
import { startKubeStandIn, type KubeStandIn } from '../standins/kube-api.js';
import { BENCH_CLUSTER } from './alert-fleet.js';
import { gpuNodeObject, operatorPodObject, planNodeStates, type KubeObject } from './fixture-nodes.js';
import { countNodeStates, pendingPodObjects, planWorkloads } from './fixture-pods.js';
import { check, collectGarbage, MemoryProbe, median, round, timeAsync, type CaseResult } from './measure.js';

export const OPERATOR_NAMESPACE = 'gpu-operator';
const MIB = 1024 * 1024;

/** How to reach a seeded Kubernetes stand-in; the child process sends this once the objects are in. */
export interface KubeEndpoint {
  url: string;
  caData: string;
  token: string;
  /** Time the stand-in took to take every object, ms. */
  seedMs: number;
}

export interface FleetSize {
  nodes: number;
  pendingPods: number;
}

/**
 * Builds a fleet of `size.nodes` nodes after a maintenance, one GPU operator validator pod on each, and
 * `size.pendingPods` pending pods, as the lists `kubectl get -o json` prints.
 */
export function fleetObjects(size: FleetSize): KubeObject[] {
  const states = planNodeStates(size.nodes, {
    cordoned: Math.round(size.nodes * 0.24),
    'gpu-health-taint': Math.round(size.nodes * 0.08),
    'not-ready': Math.round(size.nodes * 0.04),
    'gpu-short': Math.round(size.nodes * 0.04),
  });
  const nodes = states.map((state, index) => gpuNodeObject(index, state));
  const validators = states.map((_, index) => operatorPodObject(index, 'nvidia-operator-validator', OPERATOR_NAMESPACE));
  const pending = pendingPodObjects(planWorkloads(size.pendingPods), countNodeStates(states));
  return [
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: OPERATOR_NAMESPACE } },
    { apiVersion: 'v1', kind: 'List', items: [...nodes, ...validators, ...pending] },
  ];
}

/** Starts a Kubernetes stand-in on loopback and loads the fleet into it. */
export async function startSeededStandIn(size: FleetSize): Promise<{ standIn: KubeStandIn; endpoint: KubeEndpoint }> {
  const standIn = await startKubeStandIn({ historyLimit: 1000 });
  const started = process.hrtime.bigint();
  for (const object of fleetObjects(size)) standIn.apply(object);
  const seedMs = Number(process.hrtime.bigint() - started) / 1e6;
  return { standIn, endpoint: { url: standIn.url, caData: standIn.caData, token: standIn.token, seedMs } };
}

/** A stand-in running in a child process, so its objects do not count in the measured process's memory. */
interface ServedStandIn {
  endpoint: KubeEndpoint;
  close(): Promise<void>;
}

function serveInChild(size: FleetSize): Promise<ServedStandIn> {
  // Run from src (tsx) the entry is the TypeScript file, run from dist the compiled one.
  const extension = import.meta.url.endsWith('.ts') ? 'ts' : 'js';
  const entry = fileURLToPath(new URL(`./kube-server.${extension}`, import.meta.url));
  const child: ChildProcess = fork(entry, [String(size.nodes), String(size.pendingPods)], {
    // The TypeScript entry needs the tsx loader, a dev dependency; the compiled one needs nothing.
    execArgv: extension === 'ts' ? ['--import', 'tsx'] : [],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`the Kubernetes stand-in process exited with code ${code} before it was ready`)));
    child.once('message', (message) => {
      child.removeAllListeners('exit');
      resolve({
        endpoint: message as KubeEndpoint,
        close: () =>
          new Promise<void>((done) => {
            child.once('exit', () => done());
            child.send('stop');
          }),
      });
    });
  });
}

async function serveInProcess(size: FleetSize): Promise<ServedStandIn> {
  const { standIn, endpoint } = await startSeededStandIn(size);
  return { endpoint, close: () => standIn.close() };
}

function kubeConfigFor(endpoint: KubeEndpoint): KubeConfig {
  const config = new KubeConfig();
  config.loadFromOptions({
    clusters: [{ name: BENCH_CLUSTER, server: endpoint.url, caData: endpoint.caData, skipTLSVerify: false }],
    users: [{ name: BENCH_CLUSTER, token: endpoint.token }],
    contexts: [{ name: BENCH_CLUSTER, cluster: BENCH_CLUSTER, user: BENCH_CLUSTER }],
    currentContext: BENCH_CLUSTER,
  });
  return config;
}

export interface WatchBenchOptions extends FleetSize {
  /** Fresh watches started one after another; the sync time is their median. */
  runs: number;
  /** Run the stand-in in a child process (the default), or in this one when a test cannot fork a built file. */
  standIn?: 'child' | 'in-process';
}

/**
 * Measures the fleet watch of one cluster: time from start() to the first full list of nodes, pending pods and
 * GPU operator pods, and the memory the synced watch holds.
 */
export async function benchWatch(options: WatchBenchOptions): Promise<CaseResult> {
  const served = options.standIn === 'in-process' ? await serveInProcess(options) : await serveInChild(options);
  const probe = MemoryProbe.start();
  const rssBefore = process.memoryUsage().rss;
  const kubeConfig = kubeConfigFor(served.endpoint);
  const times: number[] = [];
  let watch: FleetWatch | undefined;
  try {
    for (let run = 0; run < options.runs; run += 1) {
      await watch?.stop();
      watch = undefined;
      collectGarbage();
      const created = createFleetWatch({ clusters: [{ name: BENCH_CLUSTER, kubeConfig }], gpuOperatorNamespace: OPERATOR_NAMESPACE, log: silentLogger });
      watch = created;
      times.push(await timeAsync(() => created.start()));
    }
    collectGarbage();
    const rssAfter = process.memoryUsage().rss;
    const memory = probe.finish();
    const nodes = watch!.nodes(BENCH_CLUSTER).length;
    const pending = watch!.pendingPods(BENCH_CLUSTER).length;
    const validators = watch!.validatorPods(BENCH_CLUSTER, 'gpu-h100-0000').length;
    return {
      id: 'watch',
      title: `Fleet watch: ${options.nodes.toLocaleString('en-US')} nodes and ${options.pendingPods.toLocaleString('en-US')} pending pods from the Kubernetes stand-in`,
      metrics: [
        { name: `time to first sync (median of ${options.runs})`, value: round(median(times), 0), unit: 'ms' },
        { name: 'stand-in load time (not the watch)', value: round(served.endpoint.seedMs, 0), unit: 'ms' },
        { name: 'RSS after sync', value: round(rssAfter / MIB, 1), unit: 'MiB' },
        { name: 'RSS added by the synced watch', value: round((rssAfter - rssBefore) / MIB, 1), unit: 'MiB' },
        { name: 'heap held by the synced watch', value: memory.heapDeltaMiB, unit: 'MiB' },
        { name: 'heap per cached object (node or pod)', value: round((memory.heapDeltaMiB * MIB) / Math.max(1, nodes + pending + options.nodes) / 1024, 2), unit: 'KiB' },
      ],
      memory,
      checks: [
        check('the watch holds every node', nodes === options.nodes, `${nodes} of ${options.nodes}`),
        check('the watch holds every pending pod', pending === options.pendingPods, `${pending} of ${options.pendingPods}`),
        check('the watch holds the validator pods', validators === 1, `${validators} on gpu-h100-0000`),
      ],
    };
  } finally {
    await watch?.stop();
    await served.close();
  }
}
