import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { ManualClock } from '../clock.js';
import { silentLogger } from '../log.js';
import { createDispatchClient } from '../slack/client.js';
import { Dispatcher } from '../slack/dispatcher.js';
import { startSlackStandIn, type SlackStandIn } from '../standins/slack-api.js';
import { openStore, type Db } from '../store/db.js';
import { enqueue, type MessagePayload } from '../store/outbox.js';
import { BENCH_NOW } from './fixture-nodes.js';
import { check, MemoryProbe, round, timeAsync, type CaseResult } from './measure.js';

const TOKEN = 'xoxb-bench-token';

/** A Slack stand-in at Slack's documented chat.postMessage rate (1 per second per channel, short bursts) and a store. */
interface Rig {
  standIn: SlackStandIn;
  db: Db;
  clock: ManualClock;
  channels: string[];
  dispatcher(minIntervalMsPerChannel?: number): Dispatcher;
  calls(method: string): number;
  close(): Promise<void>;
}

async function openRig(channelCount: number): Promise<Rig> {
  const channels = Array.from({ length: channelCount }, (_, index) => `C0BENCH${String(index).padStart(2, '0')}`);
  const standIn = await startSlackStandIn({
    botToken: TOKEN,
    channels: channels.map((id, index) => ({ id, name: `gpu-cluster-${index}` })),
    postsPerSecondPerChannel: 1,
    postBurst: 3,
  });
  const dir = mkdtempSync(join(tmpdir(), 'pitstop-bench-dispatcher-'));
  const db = openStore(join(dir, 'pitstop.db'));
  const clock = new ManualClock(BENCH_NOW);
  const started: Dispatcher[] = [];
  return {
    standIn,
    db,
    clock,
    channels,
    dispatcher(minIntervalMsPerChannel) {
      const dispatcher = new Dispatcher({
        db,
        client: createDispatchClient({ botToken: TOKEN, slackApiUrl: standIn.url, timeoutMs: 5000, log: silentLogger }),
        clock,
        log: silentLogger,
        ...(minIntervalMsPerChannel === undefined ? {} : { minIntervalMsPerChannel }),
      });
      started.push(dispatcher);
      return dispatcher;
    },
    calls: (method) => standIn.calls.filter((call) => call.method === method).length,
    async close() {
      await Promise.all(started.map((dispatcher) => dispatcher.stop()));
      await standIn.close();
      db.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function payload(text: string): MessagePayload {
  return { text, blocks: [{ type: 'section', text: { type: 'mrkdwn', text } }] };
}

export interface CoalesceBenchOptions {
  messages: number;
  updates: number;
  channels: number;
  /** Updates arrive in rounds, one per message each round, this far apart (a reconcile loop's interval). */
  roundIntervalMs: number;
}

/**
 * Posts `messages` messages across `channels`, then enqueues `updates` edits of them in rounds while the dispatcher
 * runs at its default pacing (1 call per second per channel), and counts the chat.update calls it made.
 */
export async function benchCoalescing(options: CoalesceBenchOptions): Promise<CaseResult> {
  const probe = MemoryProbe.start();
  const rig = await openRig(options.channels);
  try {
    const dispatcher = rig.dispatcher();
    const keys = Array.from({ length: options.messages }, (_, index) => `bench:${index}`);
    const channelOf = (index: number): string => rig.channels[index % rig.channels.length]!;
    keys.forEach((key, index) => enqueue(rig.db, { kind: 'post', messageKey: key, channel: channelOf(index), payload: payload(`${key} v0`) }, rig.clock.now()));
    dispatcher.start();
    const postTime = await timeAsync(() => dispatcher.drain());
    const rounds = Math.ceil(options.updates / options.messages);
    let enqueued = 0;
    let lastEnqueuedAt = 0n;
    const updateTime = await timeAsync(async () => {
      for (let roundIndex = 1; roundIndex <= rounds; roundIndex += 1) {
        rig.db.transaction(() => {
          keys.forEach((key, index) => {
            if (enqueued >= options.updates) return;
            enqueue(rig.db, { kind: 'update', messageKey: key, channel: channelOf(index), payload: payload(`${key} v${roundIndex}`) }, rig.clock.now());
            enqueued += 1;
          });
        })();
        dispatcher.wake();
        lastEnqueuedAt = process.hrtime.bigint();
        if (roundIndex < rounds) await sleep(options.roundIntervalMs);
      }
      await dispatcher.drain();
    });
    const tail = Number(process.hrtime.bigint() - lastEnqueuedAt) / 1e6;
    const updateCalls = rig.calls('chat.update');
    const stale = keys.filter((key, index) => {
      const message = rig.standIn.messages(channelOf(index)).find((candidate) => candidate.text.startsWith(`${key} `));
      return message?.text !== lastVersion(key, index, options, rounds);
    });
    const memory = probe.finish();
    return {
      id: 'dispatcher-coalesce',
      title: `Outbox dispatcher: ${options.updates.toLocaleString('en-US')} updates to ${options.messages} messages in ${options.channels} channels`,
      metrics: [
        { name: `post ${options.messages} messages, 1 per second per channel`, value: round(postTime / 1000, 2), unit: 's' },
        { name: 'updates enqueued', value: enqueued, unit: 'rows' },
        { name: 'chat.update calls made', value: updateCalls, unit: 'calls' },
        { name: 'updates coalesced away', value: dispatcher.stats.coalesced, unit: 'rows' },
        { name: `deliver all updates (${rounds} rounds ${options.roundIntervalMs} ms apart)`, value: round(updateTime / 1000, 2), unit: 's' },
        { name: 'last enqueue to every message current', value: round(tail / 1000, 2), unit: 's' },
        { name: 'chat.update calls per second per channel', value: round(updateCalls / (updateTime / 1000) / options.channels, 2), unit: 'calls/s' },
      ],
      memory,
      checks: [
        check('every message shows its last update', stale.length === 0, stale.length === 0 ? 'all current' : `stale: ${stale.slice(0, 5).join(', ')}`),
        check('fewer chat.update calls than updates enqueued', updateCalls < enqueued, `${updateCalls} calls for ${enqueued} updates`),
        check('no row died', dispatcher.stats.dead === 0, `${dispatcher.stats.dead} dead rows`),
      ],
    };
  } finally {
    await rig.close();
  }
}

function lastVersion(key: string, index: number, options: CoalesceBenchOptions, rounds: number): string {
  // The last round may reach only the first messages when `updates` is not a multiple of `messages`.
  const inLastRound = options.updates - (rounds - 1) * options.messages;
  return `${key} v${index < inLastRound ? rounds : rounds - 1}`;
}

export interface BurstBenchOptions {
  channels: number;
  postsPerChannel: number;
}

/** Enqueues the posts, `postsPerChannel` per channel in order, and times the dispatcher delivering them all. */
async function deliverBurst(options: BurstBenchOptions, minIntervalMsPerChannel: number) {
  const rig = await openRig(options.channels);
  try {
    rig.db.transaction(() => {
      for (let post = 0; post < options.postsPerChannel; post += 1) {
        for (const channel of rig.channels) {
          enqueue(rig.db, { kind: 'post', messageKey: `burst:${channel}:${post}`, channel, payload: payload(`${channel} post ${post}`) }, rig.clock.now());
        }
      }
    })();
    const dispatcher = rig.dispatcher(minIntervalMsPerChannel);
    dispatcher.start();
    const wall = await timeAsync(() => dispatcher.drain());
    const total = options.channels * options.postsPerChannel;
    const outOfOrder = rig.channels.filter((channel) => {
      const texts = rig.standIn.messages(channel).map((message) => message.text);
      return texts.join('\n') !== Array.from({ length: options.postsPerChannel }, (_, post) => `${channel} post ${post}`).join('\n');
    });
    return { wall, total, rateLimited: rig.calls('chat.postMessage') - dispatcher.stats.posted, stats: { ...dispatcher.stats }, outOfOrder };
  } finally {
    await rig.close();
  }
}

/**
 * Sends a burst of posts to every channel twice against Slack's 1 post per second per channel: once with the
 * dispatcher's pacing off, so the stand-in responds with HTTP 429 and Retry-After, and once at the default pacing.
 */
export async function benchRateLimitBurst(options: BurstBenchOptions): Promise<CaseResult> {
  const probe = MemoryProbe.start();
  const unpaced = await deliverBurst(options, 0);
  const paced = await deliverBurst(options, 1000);
  const memory = probe.finish();
  const ideal = options.postsPerChannel - 3;
  return {
    id: 'dispatcher-429',
    title: `Outbox dispatcher: burst of ${unpaced.total} posts across ${options.channels} channels at 1 post/s/channel`,
    metrics: [
      { name: 'pacing off: deliver all posts', value: round(unpaced.wall / 1000, 2), unit: 's' },
      { name: 'pacing off: HTTP 429 responses', value: unpaced.rateLimited, unit: 'responses' },
      { name: 'pacing off: retries after Retry-After', value: unpaced.stats.retried, unit: 'retries' },
      { name: 'pacing 1000 ms: deliver all posts', value: round(paced.wall / 1000, 2), unit: 's' },
      { name: 'pacing 1000 ms: HTTP 429 responses', value: paced.rateLimited, unit: 'responses' },
      { name: `floor set by the rate limit (burst of 3, then 1/s)`, value: Math.max(0, ideal), unit: 's' },
    ],
    memory,
    checks: [
      check('every post arrived, pacing off', unpaced.stats.posted === unpaced.total && unpaced.stats.dead === 0, `${unpaced.stats.posted} of ${unpaced.total} posted, ${unpaced.stats.dead} dead`),
      check('every post arrived, paced', paced.stats.posted === paced.total && paced.stats.dead === 0, `${paced.stats.posted} of ${paced.total} posted, ${paced.stats.dead} dead`),
      check('posts kept their order in every channel', unpaced.outOfOrder.length + paced.outOfOrder.length === 0, `out of order: ${[...unpaced.outOfOrder, ...paced.outOfOrder].join(', ') || 'none'}`),
      check('the burst without pacing met HTTP 429', unpaced.rateLimited > 0, `${unpaced.rateLimited} responses`),
    ],
  };
}
