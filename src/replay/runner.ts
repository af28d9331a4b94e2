import { join } from 'node:path';
import { ManualClock } from '../clock.js';
import type { PitstopConfig } from '../config/schema.js';
import { startEngine, type Engine } from '../engine.js';
import { silentLogger, type Logger } from '../log.js';
import { emptyStats, type DispatcherStats } from '../slack/dispatcher.js';
import type { KubeObject as StandInObject } from '../standins/kube-api.js';
import { describeObject } from './objects.js';
import type { Scenario, ScenarioStep } from './scenario.js';
import { startReplayStandIns, type ReplayStandIns } from './standins.js';
import { sendClick, sendCommand, channelText } from './interactions.js';

/**
 * Real time between two chat calls in one channel during a replay. Slack documents about one post per
 * second per channel, but a replay compresses hours into seconds. So both the dispatcher and the Slack
 * stand-in use this shorter interval, and pacing still orders and spaces the calls.
 */
export const REPLAY_CALL_INTERVAL_MS = 20;

export interface ReplayOptions {
  /** SQLite file of the store; a file in the replay's temporary folder when omitted. */
  dbPath?: string;
  log?: Logger;
  /** Called after each step with what it did. */
  onStep?(record: StepRecord): void;
}

/** The outcome of one step, for the timeline a replay prints. */
export interface StepRecord {
  index: number;
  at: Date;
  action: ScenarioStep['action'];
  cluster?: string;
  note?: string;
  /** One line: what the step applied, deleted, clicked or typed, and what came back. */
  detail: string;
  /** Problems that did not stop the step, such as deleting an object that did not exist. */
  warnings: string[];
}

/** An `expect` step's outcome; `ok` when every `contains` text showed and no `lacks` text did. */
export interface ExpectationResult {
  index: number;
  channel: string;
  ok: boolean;
  missing: string[];
  unexpected: string[];
}

/** Thrown when a step fails while it runs; the message names the scenario file, the step and its time. */
export class StepFailedError extends Error {
  override name = 'StepFailedError';

  constructor(
    readonly file: string,
    readonly step: ScenarioStep,
    override readonly cause: unknown,
  ) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    super(`${file}: steps[${step.index}] (${step.action} at ${step.at.toISOString()}) failed: ${reason}`);
  }
}

/**
 * A scenario being replayed: stand-ins for each cluster and for Slack, a ManualClock, and the real engine
 * (fleet watch, rules, dispatcher, Bolt HTTP receiver) on top. Steps run in order. After each one the
 * replay waits until the fleet watch has seen the change and the engine has delivered everything it
 * enqueued, which makes a replay deterministic.
 */
export class ScenarioReplay {
  readonly records: StepRecord[] = [];
  readonly expectations: ExpectationResult[] = [];
  /** Dispatcher statistics of engines already stopped (after a restart), added to the running one's. */
  private readonly pastStats: DispatcherStats = emptyStats();
  private readonly pastRuleErrors = new Map<string, number>();
  private engineInstance: Engine | undefined;
  private nextStep = 0;
  private readonly startedAt = performance.now();

  private constructor(
    readonly scenario: Scenario,
    readonly standIns: ReplayStandIns,
    readonly config: PitstopConfig,
    readonly clock: ManualClock,
    private readonly options: ReplayOptions,
  ) {}

  /** Starts the stand-ins and the engine at the scenario's start time. */
  static async start(scenario: Scenario, options: ReplayOptions = {}): Promise<ScenarioReplay> {
    const clock = new ManualClock(scenario.start);
    const standIns = await startReplayStandIns(scenario, clock, 1000 / REPLAY_CALL_INTERVAL_MS);
    const config = replayConfig(scenario, standIns, options.dbPath ?? join(standIns.tempDir, 'pitstop.db'));
    const replay = new ScenarioReplay(scenario, standIns, config, clock, options);
    try {
      await replay.startEngineInstance();
    } catch (error) {
      await standIns.close();
      throw error;
    }
    return replay;
  }

  get engine(): Engine {
    if (!this.engineInstance) throw new Error('the replay has no running engine');
    return this.engineInstance;
  }

  get done(): boolean {
    return this.nextStep >= this.scenario.steps.length;
  }

  /** Index of the next step to run. */
  get position(): number {
    return this.nextStep;
  }

  /**
   * Runs the steps before index `end` (all remaining ones by default). Throws {@link StepFailedError} when
   * a step fails; the steps before it keep their effects and records.
   */
  async run(end = this.scenario.steps.length): Promise<void> {
    while (this.nextStep < Math.min(end, this.scenario.steps.length)) {
      const step = this.scenario.steps[this.nextStep]!;
      this.clock.set(step.at);
      let record: StepRecord;
      try {
        record = await this.runStep(step);
      } catch (error) {
        throw new StepFailedError(this.scenario.file, step, error);
      }
      this.records.push(record);
      this.options.onStep?.(record);
      this.nextStep += 1;
    }
  }

  /** Stops the engine and starts a new one on the same store, as a crash and restart of the bot would. */
  async restartEngine(): Promise<void> {
    await this.stopEngineInstance();
    await this.startEngineInstance();
  }

  /** Delivery counts over every engine this replay ran. */
  stats(): DispatcherStats {
    const current = this.engineInstance?.dispatcher.stats;
    const total = { ...this.pastStats };
    if (current) for (const key of Object.keys(total) as (keyof DispatcherStats)[]) total[key] += current[key];
    return total;
  }

  ruleErrors(): Map<string, number> {
    const total = new Map(this.pastRuleErrors);
    for (const [rule, count] of this.engineInstance?.ruleErrors ?? []) total.set(rule, (total.get(rule) ?? 0) + count);
    return total;
  }

  wallMs(): number {
    return performance.now() - this.startedAt;
  }

  /** Stops the engine and the stand-ins and removes the temporary folder. */
  async close(): Promise<void> {
    try {
      await this.stopEngineInstance();
    } finally {
      await this.standIns.close();
    }
  }

  private async startEngineInstance(): Promise<void> {
    this.engineInstance = await startEngine({
      config: this.config,
      secrets: { slackBotToken: this.standIns.botToken, slackSigningSecret: this.standIns.signingSecret },
      clock: this.clock,
      log: this.options.log ?? silentLogger,
      slackApiUrl: this.standIns.slack.url,
      host: '127.0.0.1',
      port: 0,
      timers: 'manual',
      dispatcher: { minIntervalMsPerChannel: REPLAY_CALL_INTERVAL_MS, retryBaseMs: 50, maxRetryDelayMs: 1000 },
    });
    await this.engineInstance.settle();
  }

  private async stopEngineInstance(): Promise<void> {
    const engine = this.engineInstance;
    if (!engine) return;
    this.engineInstance = undefined;
    for (const key of Object.keys(this.pastStats) as (keyof DispatcherStats)[]) this.pastStats[key] += engine.dispatcher.stats[key];
    for (const [rule, count] of engine.ruleErrors) this.pastRuleErrors.set(rule, (this.pastRuleErrors.get(rule) ?? 0) + count);
    await engine.stop();
  }

  private async runStep(step: ScenarioStep): Promise<StepRecord> {
    const record: StepRecord = {
      index: step.index,
      at: step.at,
      action: step.action,
      ...('cluster' in step ? { cluster: step.cluster } : {}),
      ...(step.note ? { note: step.note } : {}),
      detail: '',
      warnings: [],
    };
    switch (step.action) {
      case 'apply':
        record.detail = await this.apply(step);
        break;
      case 'delete':
        record.detail = await this.delete(step, record.warnings);
        break;
      case 'advance':
        record.detail = await this.advance(step);
        break;
      case 'click':
        record.detail = await sendClick(this, step);
        await this.engine.settle();
        break;
      case 'command':
        record.detail = await sendCommand(this, step);
        await this.engine.settle();
        break;
      case 'expect':
        record.detail = this.expect(step);
        break;
    }
    return record;
  }

  private kubeFor(cluster: string) {
    const standIn = this.standIns.kube.get(cluster);
    if (!standIn) throw new Error(`step names cluster "${cluster}", which the replay did not start`);
    return standIn;
  }

  private async apply(step: Extract<ScenarioStep, { action: 'apply' }>): Promise<string> {
    const revision = this.kubeFor(step.cluster).apply({ apiVersion: 'v1', kind: 'List', items: step.objects } as unknown as StandInObject);
    await this.engine.fleet.caughtUp(step.cluster, revision);
    await this.engine.settle();
    const kinds = countKinds(step.objects.map((object) => object.kind));
    return `applied ${kinds}${step.source === 'inline' ? '' : ` from ${step.source}`}`;
  }

  private async delete(step: Extract<ScenarioStep, { action: 'delete' }>, warnings: string[]): Promise<string> {
    const standIn = this.kubeFor(step.cluster);
    let revision: string | null = null;
    const deleted: string[] = [];
    for (const ref of step.refs) {
      const result = standIn.delete(ref.kind, ref.namespace ?? null, ref.name);
      if (result === null) {
        warnings.push(`${describeObject(ref)} did not exist; nothing deleted`);
        continue;
      }
      revision = result;
      deleted.push(ref.kind);
    }
    if (revision !== null) await this.engine.fleet.caughtUp(step.cluster, revision);
    await this.engine.settle();
    return `deleted ${countKinds(deleted)}`;
  }

  private async advance(step: Extract<ScenarioStep, { action: 'advance' }>): Promise<string> {
    const start = step.at.getTime();
    let ticks = 0;
    for (let offset = step.everyMs; offset <= step.forMs; offset += step.everyMs) {
      this.clock.set(start + offset);
      await this.engine.settle();
      ticks += 1;
    }
    if (this.clock.now().getTime() < start + step.forMs) {
      this.clock.set(start + step.forMs);
      await this.engine.settle();
      ticks += 1;
    }
    return `time passes to ${this.clock.now().toISOString().slice(0, 16).replace('T', ' ')}Z, ${ticks} rule passes`;
  }

  private expect(step: Extract<ScenarioStep, { action: 'expect' }>): string {
    const text = channelText(this.standIns.slack, step.channelId);
    const missing = step.contains.filter((needle) => !text.includes(needle));
    const unexpected = step.lacks.filter((needle) => text.includes(needle));
    const result: ExpectationResult = { index: step.index, channel: step.channel, ok: missing.length === 0 && unexpected.length === 0, missing, unexpected };
    this.expectations.push(result);
    if (result.ok) return `${step.channel} shows what was expected`;
    const parts = [
      ...(missing.length > 0 ? [`missing ${missing.map((needle) => JSON.stringify(needle)).join(', ')}`] : []),
      ...(unexpected.length > 0 ? [`showing ${unexpected.map((needle) => JSON.stringify(needle)).join(', ')}`] : []),
    ];
    return `EXPECTATION FAILED in ${step.channel}: ${parts.join('; ')}`;
  }
}

/** `48 Nodes, 112 Pods` */
function countKinds(kinds: string[]): string {
  const counts = new Map<string, number>();
  for (const kind of kinds) counts.set(kind, (counts.get(kind) ?? 0) + 1);
  return [...counts].map(([kind, count]) => `${count} ${kind}${count === 1 ? '' : 's'}`).join(', ') || 'nothing';
}

/** Points the scenario's config at the stand-ins: one kubeconfig context per cluster, the stand-in's Web API, the store file. */
function replayConfig(scenario: Scenario, standIns: ReplayStandIns, dbPath: string): PitstopConfig {
  return {
    ...scenario.config,
    clusters: scenario.config.clusters.map((cluster) => ({ ...cluster, kubeconfig: standIns.kubeconfigPath, context: cluster.name })),
    store: { path: dbPath },
    slack: { ...scenario.config.slack, apiUrl: standIns.slack.url },
  };
}
