/**
 * Child process of the watch benchmark: starts a seeded Kubernetes stand-in, sends its endpoint to the parent
 * over IPC, and stops when the parent sends `stop` or goes away.
 * Arguments: the node count and the pending pod count.
 */
import { startSeededStandIn } from './watch.js';

const [nodes, pendingPods] = process.argv.slice(2).map(Number);
if (!Number.isInteger(nodes) || !Number.isInteger(pendingPods) || process.send === undefined) {
  console.error('usage: kube-server.js NODES PENDING_PODS, forked with an IPC channel by the watch benchmark');
  process.exit(2);
}

const { standIn, endpoint } = await startSeededStandIn({ nodes: nodes!, pendingPods: pendingPods! });
const stop = async (): Promise<void> => {
  await standIn.close();
  process.exit(0);
};
process.on('message', (message) => {
  if (message === 'stop') void stop();
});
process.on('disconnect', () => void stop());
process.send(endpoint);
