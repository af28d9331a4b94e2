import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parseDocument } from 'yaml';
import { checkConfigInput, describeIssues } from '../config/load.js';
import { parseDuration, type PitstopConfig } from '../config/schema.js';
import { flattenObjects, readObjectFile, type KubeObject } from './objects.js';
import {
  scenarioFileSchema,
  stepActionSchemas,
  stepCommonSchema,
  STEP_ACTIONS,
  type AlertSelector,
  type Button,
  type ExpectAction,
  type ObjectRef,
  type SlackDirectory,
  type StepAction,
} from './scenario-schema.js';

/** Thrown when a scenario file is invalid; `problems` contains one line per field, each starting with its path. */
export class ScenarioError extends Error {
  constructor(
    readonly file: string,
    readonly problems: string[],
  ) {
    super(`invalid scenario ${file}:\n${problems.map((line) => `  - ${line}`).join('\n')}`);
    this.name = 'ScenarioError';
  }
}

interface StepBase {
  index: number;
  at: Date;
  note?: string;
}

/** One scenario step with its time resolved, its users and channels resolved to ids and its files read. */
export type ScenarioStep = StepBase &
  (
    | { action: 'apply'; cluster: string; objects: KubeObject[]; source: string }
    | { action: 'delete'; cluster: string; refs: ObjectRef[]; source: string }
    | {
        action: 'click';
        user: string;
        button: Button;
        alert?: AlertSelector;
        maintenance?: string;
        value?: string;
      }
    | { action: 'command'; user: string; channel: string; command: string; text: string; alert?: AlertSelector }
    | { action: 'advance'; forMs: number; everyMs: number }
    | ({ action: 'expect'; channelId: string } & ExpectAction)
  );

export interface Scenario {
  file: string;
  name: string;
  description: string;
  start: Date;
  slack: SlackDirectory;
  /** The embedded config, validated; the runner sets each cluster's kubeconfig and the store path. */
  config: PitstopConfig;
  steps: ScenarioStep[];
}

/** Reads and validates a scenario file (YAML or JSON); throws {@link ScenarioError} naming every problem. */
export function loadScenario(file: string): Scenario {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new ScenarioError(file, [`cannot read file: ${(error as Error).message}`]);
  }
  return parseScenario(text, file);
}

/** Validates scenario text; files named by steps are read relative to `file`'s folder. */
export function parseScenario(text: string, file: string): Scenario {
  const document = parseDocument(text);
  if (document.errors.length > 0) {
    throw new ScenarioError(file, document.errors.map((error) => `YAML syntax: ${error.message.split('\n')[0]}`));
  }
  const input: unknown = document.toJS() ?? {};
  const parsed = scenarioFileSchema.safeParse(input);
  if (!parsed.success) throw new ScenarioError(file, describeIssues(parsed.error, input));
  const problems: string[] = [];
  const config = resolveConfig(parsed.data.config, problems);
  if (config) checkDirectory(config, parsed.data.slack, problems);
  const start = new Date(parsed.data.start);
  const context: StepContext = {
    dir: dirname(resolve(file)),
    start,
    tickMs: parseDuration(parsed.data.tick),
    slack: parsed.data.slack,
    clusters: config?.clusters.map((cluster) => cluster.name) ?? [],
    problems,
  };
  const steps: ScenarioStep[] = [];
  let previous = start;
  parsed.data.steps.forEach((raw, index) => {
    const step = resolveStep(raw, index, context);
    if (!step) return;
    if (step.at < previous) {
      problems.push(
        `steps[${index}].at: ${step.at.toISOString()} is before the end of the previous step ` +
          `(${previous.toISOString()}); steps must be in time order`,
      );
    }
    previous = step.action === 'advance' ? new Date(step.at.getTime() + step.forMs) : step.at;
    steps.push(step);
  });
  if (problems.length > 0 || !config) throw new ScenarioError(file, problems);
  return { file, name: parsed.data.name, description: parsed.data.description, start, slack: parsed.data.slack, config, steps };
}

/** Clusters in a scenario need no context: the replay writes a kubeconfig with one context per cluster name. */
function resolveConfig(raw: Record<string, unknown>, problems: string[]): PitstopConfig | undefined {
  const clusters = Array.isArray(raw.clusters)
    ? raw.clusters.map((cluster: unknown) =>
        cluster !== null && typeof cluster === 'object' && !('context' in cluster) && !('inCluster' in cluster)
          ? { ...cluster, context: (cluster as { name?: unknown }).name }
          : cluster,
      )
    : raw.clusters;
  const input = { ...raw, clusters };
  const checked = checkConfigInput(input);
  if (checked.config === undefined) {
    problems.push(...checked.problems.map((line) => underPath('config', line)));
    return undefined;
  }
  const config = checked.config;
  config.clusters.forEach((cluster, index) => {
    if (cluster.inCluster || cluster.kubeconfig !== undefined) {
      problems.push(
        `config.clusters[${index}]: a replay provides the cluster; remove ${cluster.inCluster ? 'inCluster' : 'kubeconfig'}`,
      );
    }
  });
  return config;
}

function checkDirectory(config: PitstopConfig, slack: SlackDirectory, problems: string[]): void {
  const channels = new Set(slack.channels.map((channel) => channel.id));
  const groups = new Set(slack.userGroups.map((group) => group.id));
  const users = new Set(slack.users.map((user) => user.id));
  config.clusters.forEach((cluster, index) => {
    if (!channels.has(cluster.channel)) {
      problems.push(`config.clusters[${index}].channel: ${cluster.channel} is not declared under slack.channels`);
    }
  });
  config.teams.forEach((team, index) => {
    if (!groups.has(team.userGroup)) {
      problems.push(`config.teams[${index}].userGroup: ${team.userGroup} is not declared under slack.userGroups`);
    }
    if (team.escalateTo !== undefined && !groups.has(team.escalateTo)) {
      problems.push(`config.teams[${index}].escalateTo: ${team.escalateTo} is not declared under slack.userGroups`);
    }
  });
  slack.userGroups.forEach((group, groupIndex) => {
    group.users.forEach((user, userIndex) => {
      if (!users.has(user)) {
        problems.push(`slack.userGroups[${groupIndex}].users[${userIndex}]: ${user} is not declared under slack.users`);
      }
    });
  });
}

/**
 * Rule passes one `advance` step may run. Each pass also delivers the outbox, tens of milliseconds in a
 * replay of the shipped scenario, so this bounds a step to minutes of wall time.
 * NOTE: the bound is a judgment of how long a replay should take, not a limit of the engine.
 */
const MAX_ADVANCE_PASSES = 5000;

interface StepContext {
  dir: string;
  start: Date;
  tickMs: number;
  slack: SlackDirectory;
  clusters: string[];
  problems: string[];
}

function resolveStep(raw: Record<string, unknown>, index: number, context: StepContext): ScenarioStep | undefined {
  const path = `steps[${index}]`;
  const actions = STEP_ACTIONS.filter((action) => action in raw);
  if (actions.length !== 1) {
    context.problems.push(
      `${path}: expected exactly one of ${STEP_ACTIONS.join(', ')}` +
        (actions.length === 0 ? ` (got fields ${Object.keys(raw).join(', ') || 'none'})` : ` (got ${actions.join(', ')})`),
    );
    return undefined;
  }
  const action = actions[0]!;
  const { [action]: body, ...common } = raw;
  const commonResult = stepCommonSchema.safeParse(common);
  const bodyResult = stepActionSchemas[action].safeParse(body);
  if (!commonResult.success) {
    context.problems.push(...describeIssues(commonResult.error, common).map((line) => underPath(path, line)));
  }
  if (!bodyResult.success) {
    context.problems.push(...describeIssues(bodyResult.error, body).map((line) => underPath(`${path}.${action}`, line)));
  }
  if (!commonResult.success || !bodyResult.success) return undefined;
  const base: StepBase = {
    index,
    at: resolveTime(commonResult.data.at, context.start),
    ...(commonResult.data.note ? { note: commonResult.data.note } : {}),
  };
  return resolveAction(action, bodyResult.data, base, commonResult.data.cluster, context);
}

/** Puts a problem line from {@link describeIssues} under `prefix`: `(root): x` becomes `prefix: x`. */
function underPath(prefix: string, line: string): string {
  if (line.startsWith('(root)')) return `${prefix}${line.slice('(root)'.length)}`;
  return line.startsWith('[') ? `${prefix}${line}` : `${prefix}.${line}`;
}

function resolveTime(at: string, start: Date): Date {
  if (at.startsWith('+')) return new Date(start.getTime() + (at === '+0' ? 0 : parseDuration(at.slice(1))));
  return new Date(at);
}

function resolveAction(
  action: StepAction,
  body: unknown,
  base: StepBase,
  cluster: string | undefined,
  context: StepContext,
): ScenarioStep | undefined {
  const path = `steps[${base.index}]`;
  const problemsBefore = context.problems.length;
  if (action === 'apply' || action === 'delete') {
    const target = resolveCluster(cluster, path, context);
    const step = action === 'apply' ? resolveApply(body, base, target, context) : resolveDelete(body, base, target, context);
    return context.problems.length > problemsBefore ? undefined : step;
  }
  if (action === 'advance') {
    const advance = body as { for: string; every?: string };
    const forMs = parseDuration(advance.for);
    const everyMs = advance.every === undefined ? context.tickMs : parseDuration(advance.every);
    if (everyMs <= 0 || everyMs > forMs) {
      context.problems.push(`${path}.advance.every: must be more than 0 and at most ${advance.for}`);
    } else if (Math.ceil(forMs / everyMs) > MAX_ADVANCE_PASSES) {
      context.problems.push(
        `${path}.advance: ${advance.for} every ${advance.every ?? 'tick'} makes ${Math.ceil(forMs / everyMs)} rule passes, ` +
          `more than the ${MAX_ADVANCE_PASSES} a step may run; set a longer every`,
      );
    }
    return { ...base, action, forMs, everyMs };
  }
  if (cluster !== undefined) context.problems.push(`${path}.cluster: only apply and delete steps take a cluster`);
  if (action === 'click') return resolveClick(body as ClickBody, base, context);
  if (action === 'command') return resolveCommand(body as CommandBody, base, context);
  const expect = body as ExpectAction;
  const channelId = resolveChannel(expect.channel, `${path}.expect.channel`, context);
  return channelId === undefined ? undefined : { ...base, action, channelId, ...expect };
}

function resolveCluster(cluster: string | undefined, path: string, context: StepContext): string {
  if (cluster === undefined) {
    if (context.clusters.length === 1) return context.clusters[0]!;
    context.problems.push(`${path}.cluster: missing; name one of ${context.clusters.join(', ')}`);
    return '';
  }
  if (context.clusters.length > 0 && !context.clusters.includes(cluster)) {
    context.problems.push(`${path}.cluster: "${cluster}" is not a cluster of the config (${context.clusters.join(', ')})`);
  }
  return cluster;
}

function readSource(file: string, path: string, context: StepContext): unknown[] | undefined {
  try {
    return readObjectFile(resolve(context.dir, file));
  } catch (error) {
    context.problems.push(`${path}.file: ${(error as Error).message}`);
    return undefined;
  }
}

function resolveApply(body: unknown, base: StepBase, cluster: string, context: StepContext): ScenarioStep | undefined {
  const path = `steps[${base.index}].apply`;
  const file = (body as { file?: string }).file;
  const inputs = file !== undefined ? readSource(file, path, context) : [body];
  if (!inputs) return undefined;
  const { objects, problems } = flattenObjects(inputs, file !== undefined ? `${path}.file(${file})` : path);
  context.problems.push(...problems);
  if (objects.length === 0 && problems.length === 0) context.problems.push(`${path}: contains no Node or Pod objects`);
  return { ...base, action: 'apply', cluster, objects, source: file ?? 'inline' };
}

function resolveDelete(body: unknown, base: StepBase, cluster: string, context: StepContext): ScenarioStep | undefined {
  const path = `steps[${base.index}].delete`;
  if (Array.isArray(body)) return { ...base, action: 'delete', cluster, refs: body.map(withNamespace), source: 'inline' };
  const file = (body as { file?: string }).file;
  if (file === undefined) return { ...base, action: 'delete', cluster, refs: [withNamespace(body as ObjectRef)], source: 'inline' };
  const inputs = readSource(file, path, context);
  if (!inputs) return undefined;
  const { objects, problems } = flattenObjects(inputs, `${path}.file(${file})`);
  context.problems.push(...problems);
  const refs = objects.map((object) =>
    withNamespace({ kind: object.kind, name: object.metadata.name, ...(object.metadata.namespace ? { namespace: object.metadata.namespace } : {}) }),
  );
  return { ...base, action: 'delete', cluster, refs, source: file };
}

function withNamespace(ref: ObjectRef): ObjectRef {
  return ref.kind === 'Pod' && ref.namespace === undefined ? { ...ref, namespace: 'default' } : ref;
}

type ClickBody = { user: string; button: Button; alert?: AlertSelector; maintenance?: string; value?: string };
type CommandBody = { user: string; channel: string; text: string; alert?: AlertSelector };

function resolveClick(body: ClickBody, base: StepBase, context: StepContext): ScenarioStep | undefined {
  const user = resolveUser(body.user, `steps[${base.index}].click.user`, context);
  if (user === undefined) return undefined;
  if (body.button === 'snooze' && body.value !== undefined) {
    try {
      parseDuration(body.value);
    } catch {
      context.problems.push(`steps[${base.index}].click.value: expected a snooze duration such as 1h (got "${body.value}")`);
    }
  }
  return { ...base, action: 'click', ...body, user };
}

function resolveCommand(body: CommandBody, base: StepBase, context: StepContext): ScenarioStep | undefined {
  const path = `steps[${base.index}].command`;
  const user = resolveUser(body.user, `${path}.user`, context);
  const channel = resolveChannel(body.channel, `${path}.channel`, context);
  if (body.text.includes('{alert}') && body.alert === undefined) {
    context.problems.push(`${path}.alert: the text contains {alert}; select the alert it stands for`);
  }
  if (user === undefined || channel === undefined) return undefined;
  const [command, ...rest] = body.text.split(' ');
  return {
    ...base,
    action: 'command',
    user,
    channel,
    command: command!,
    text: rest.join(' ').trim(),
    ...(body.alert !== undefined ? { alert: body.alert } : {}),
  };
}

/** Accepts a user id or a user name declared under slack.users. */
function resolveUser(user: string, path: string, context: StepContext): string | undefined {
  const found = context.slack.users.find((entry) => entry.id === user || entry.name === user);
  if (!found) {
    context.problems.push(`${path}: "${user}" is not declared under slack.users (by id or name)`);
    return undefined;
  }
  return found.id;
}

/** Accepts a channel id, a name or `#name` declared under slack.channels. */
function resolveChannel(channel: string, path: string, context: StepContext): string | undefined {
  const name = channel.replace(/^#/, '');
  const found = context.slack.channels.find((entry) => entry.id === channel || entry.name === name);
  if (!found) {
    context.problems.push(`${path}: "${channel}" is not declared under slack.channels (by id or name)`);
    return undefined;
  }
  return found.id;
}
