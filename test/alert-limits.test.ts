import { describe, expect, it } from 'vitest';
import { reconcileAlerts } from '../src/alerts/reconcile.js';
import { listOpenAlerts } from '../src/alerts/store.js';
import { silentLogger } from '../src/log.js';
import { createDispatchClient } from '../src/slack/client.js';
import { Dispatcher } from '../src/slack/dispatcher.js';
import { startSlackStandIn } from '../src/standins/slack-api.js';
import { CHANNEL, node, pendingPod, removeStore, StaticFleet, testContext } from './alert-fixtures.js';

const TOKEN = 'xoxb-alert-limits';

describe('alert message limits', () => {
  it('posts a 5,000-pod group as one accepted message', async () => {
    const fleet = new StaticFleet();
    const longName = 'n'.repeat(200);
    fleet.nodeList = Array.from({ length: 3000 }, (_, index) => node(`${longName}-${index}`, { cordoned: true }));
    const message = '0/3000 nodes are available: 3000 node(s) were unschedulable.';
    fleet.podList = Array.from({ length: 5000 }, (_, index) =>
      pendingPod(`pod-${index}`, {
        namespace: index % 2 === 0 ? 'ml-train' : 'ml-serve',
        message,
        since: '2026-03-02T11:00:00Z',
        owner: { kind: 'JobSet', name: `${'w'.repeat(240)}-${index % 2000}` },
      }),
    );
    const ctx = testContext({ fleet });
    const standIn = await startSlackStandIn({ botToken: TOKEN, channels: [{ id: CHANNEL, name: 'gpu-east' }], postsPerSecondPerChannel: 100, postBurst: 100 });
    const dispatcher = new Dispatcher({
      db: ctx.db,
      client: createDispatchClient({ botToken: TOKEN, slackApiUrl: standIn.url, timeoutMs: 3000, log: silentLogger }),
      clock: ctx.clock,
      log: silentLogger,
      minIntervalMsPerChannel: 5,
    });
    try {
      reconcileAlerts(ctx);
      dispatcher.start();
      await dispatcher.drain();
      const posted = standIn.messages(CHANNEL);
      expect(posted).toHaveLength(1);
      expect(posted[0]!.text).toContain('5,000 pods pending');
      expect(JSON.stringify(posted[0]!.blocks)).toContain('5,000 pods');
      expect(JSON.stringify(posted[0]!.blocks)).toContain('and 1,990 more workloads');
      expect(standIn.calls.filter((call) => call.method === 'chat.postMessage')).toHaveLength(1);
      const dead = ctx.db.prepare("SELECT COUNT(*) AS count FROM outbox WHERE state = 'dead'").get() as { count: number };
      expect(dead.count).toBe(0);
      expect(listOpenAlerts(ctx.db)[0]!.snapshot.workloads).toHaveLength(10);
    } finally {
      await dispatcher.stop();
      await standIn.close();
      ctx.close();
      removeStore(ctx.path);
    }
  });
});
