import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ScenarioReplay } from '../src/replay/runner.js';
import { formatChannels, summarize, type ReplaySummary } from '../src/replay/report.js';
import { loadScenario, type Scenario } from '../src/replay/scenario.js';
import type { SlackCall } from '../src/standins/slack-api.js';

const SCENARIO = join(import.meta.dirname, '..', 'scenarios', 'nic-firmware-maintenance.yaml');
const AWS_CHANNEL = 'C0AWSH100';
const OCI_CHANNEL = 'C0OCIA100';

interface Finished {
  calls: SlackCall[];
  channels: string;
  summary: ReplaySummary;
  expectations: ScenarioReplay['expectations'];
  messagesInSlack: number;
  outboxStates: Record<string, number>;
}

/** Runs the scenario to the end, restarting the engine before step `restartAt` when given. */
async function replay(scenario: Scenario, dbPath: string, restartAt?: number): Promise<Finished> {
  const run = await ScenarioReplay.start(scenario, { dbPath });
  try {
    if (restartAt !== undefined) {
      await run.run(restartAt);
      await run.restartEngine();
    }
    await run.run();
    const slack = run.standIns.slack;
    const messagesInSlack = scenario.slack.channels
      .flatMap((channel) => slack.messages(channel.id).map((message) => 1 + slack.thread(channel.id, message.ts).length))
      .reduce((sum, count) => sum + count, 0);
    const outboxStates = Object.fromEntries(
      run.engine.db
        .prepare<[], { state: string; count: number }>('SELECT state, COUNT(*) AS count FROM outbox GROUP BY state')
        .all()
        .map((row) => [row.state, row.count]),
    );
    return {
      calls: [...slack.calls],
      channels: formatChannels(run),
      summary: summarize(run),
      expectations: run.expectations,
      messagesInSlack,
      outboxStates,
    };
  } finally {
    await run.close();
  }
}

function posts(calls: SlackCall[], channel?: string): SlackCall[] {
  return calls.filter((call) => call.method === 'chat.postMessage' && (channel === undefined || call.arguments.channel === channel));
}

/** Everything a call shows: its fallback text and every string inside its blocks. */
function shown(call: SlackCall): string {
  return `${String(call.arguments.text ?? '')}\n${JSON.stringify(call.arguments.blocks ?? [])}`;
}

function messageKey(call: SlackCall): string | undefined {
  const metadata = call.arguments.metadata as { event_payload?: { key?: string } } | undefined;
  return metadata?.event_payload?.key;
}

describe('replay of the NIC firmware scenario', () => {
  let scenario: Scenario;
  let dir: string;
  let straight: Finished;
  let restarted: Finished;

  beforeAll(async () => {
    scenario = loadScenario(SCENARIO);
    dir = mkdtempSync(join(tmpdir(), 'pitstop-replay-test-'));
    straight = await replay(scenario, join(dir, 'straight.db'));
    const click = scenario.steps.findIndex((step) => step.action === 'click');
    restarted = await replay(scenario, join(dir, 'restarted.db'), click);
  }, 120_000);

  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('announces MX-12 ahead, at the start and after the end in both channels', () => {
    for (const channel of [AWS_CHANNEL, OCI_CHANNEL]) {
      const announcements = posts(straight.calls, channel).filter((call) => (messageKey(call) ?? '').startsWith('maint:MX-12:'));
      const keys = announcements.map(messageKey);
      expect(keys).toContain(`maint:MX-12:${channel}:thread`);
      expect(keys).toContain(`maint:MX-12:${channel}:stage:lead:1h`);
      expect(keys).toContain(`maint:MX-12:${channel}:stage:start`);
      expect(keys).toContain(`maint:MX-12:${channel}:stage:end`);
      expect(keys).toContain(`maint:MX-12:${channel}:recovery`);
    }
  });

  it('posts the first announcement 24 hours ahead', () => {
    const first = posts(straight.calls, AWS_CHANNEL)[0]!;
    expect(messageKey(first)).toBe(`maint:MX-12:${AWS_CHANNEL}:thread`);
    expect(shown(first)).toContain('Starts');
    expect(shown(first)).toContain('48 nodes, 384 GPUs');
  });

  it('alerts on pods pending after the window and names MX-12', () => {
    const alertPosts = posts(straight.calls).filter((call) => (messageKey(call) ?? '').startsWith('alert:'));
    const training = alertPosts.filter((call) => shown(call).includes('pending on aws-use1-h100 · llm-training'));
    const vision = alertPosts.filter((call) => shown(call).includes('pending on oci-ord-a100 · vision'));
    expect(training.length).toBeGreaterThan(0);
    expect(vision.length).toBeGreaterThan(0);
    const afterWindow = [...training, ...vision].filter((call) => shown(call).includes('MX-12'));
    expect(afterWindow.length).toBeGreaterThanOrEqual(2);
  });

  it('shows the acknowledgement on the alert', () => {
    const updates = straight.calls.filter((call) => call.method === 'chat.update' && call.arguments.channel === AWS_CHANNEL);
    expect(updates.some((call) => shown(call).includes('Acknowledged by <@U0PRIYA01>'))).toBe(true);
    expect(straight.channels).toContain('Acknowledged by @priya');
  });

  it('escalates the unacknowledged alert by itself', () => {
    const ociReplies = posts(straight.calls, OCI_CHANNEL).filter((call) => call.arguments.thread_ts !== undefined);
    expect(ociReplies.some((call) => shown(call).includes('<!subteam^S0VISION01>') && shown(call).includes('escalated to level 1'))).toBe(true);
    expect(ociReplies.some((call) => shown(call).includes('<!subteam^S0GPUONCAL>') && shown(call).includes('escalated to level 2'))).toBe(true);
  });

  it('raises a separate alert for the job that can never fit', () => {
    const probe = posts(straight.calls, OCI_CHANNEL).filter((call) => shown(call).includes('moe-expert-probe'));
    expect(probe.length).toBe(1);
    expect(shown(probe[0]!)).toContain('16 nvidia.com/gpu');
    expect(shown(probe[0]!)).not.toContain('MX-12');
    expect(straight.channels).toContain('Acknowledged by @dana');
  });

  it('posts each message once', () => {
    const keys = posts(straight.calls).map(messageKey);
    expect(keys.every((key) => key !== undefined)).toBe(true);
    expect(new Set(keys).size).toBe(keys.length);
  });

  it('has every call accepted by Slack', () => {
    expect(straight.summary.dead).toBe(0);
    expect(straight.summary.retried).toBe(0);
    expect(straight.outboxStates.dead ?? 0).toBe(0);
    expect(straight.outboxStates.pending ?? 0).toBe(0);
    expect(straight.outboxStates.inflight ?? 0).toBe(0);
    expect(straight.messagesInSlack).toBe(posts(straight.calls).length);
    expect(straight.summary.ruleErrors).toEqual({});
  });

  it('meets the expectations the scenario states', () => {
    expect(straight.expectations.length).toBe(2);
    expect(straight.expectations.filter((result) => !result.ok)).toEqual([]);
  });

  it('posts nothing twice across a restart on the same store', () => {
    const keys = posts(restarted.calls).map(messageKey);
    expect(new Set(keys).size).toBe(keys.length);
    expect(new Set(keys)).toEqual(new Set(posts(straight.calls).map(messageKey)));
    expect(restarted.messagesInSlack).toBe(straight.messagesInSlack);
  });

  it('ends a restarted replay showing what an uninterrupted one shows', () => {
    expect(restarted.channels).toBe(straight.channels);
    expect(restarted.expectations.filter((result) => !result.ok)).toEqual([]);
    expect(restarted.summary.ruleErrors).toEqual({});
  });
});
