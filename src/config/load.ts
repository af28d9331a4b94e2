import { readFileSync } from 'node:fs';
import { parseDocument } from 'yaml';
import { z } from 'zod';
import { LabelSelectorError } from '../maintenance/label-selector.js';
import { compileScope, ScopeError } from '../maintenance/scope.js';
import { configRuleIssues } from './rules.js';
import { configSchema, scopeSchema, type PitstopConfig } from './schema.js';

/** Thrown when a config file cannot be read or does not match the schema; `problems` contains one line per field. */
export class ConfigError extends Error {
  constructor(
    readonly file: string,
    readonly problems: string[],
  ) {
    super(`invalid config ${file}:\n${problems.map((line) => `  - ${line}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

function formatPath(path: readonly PropertyKey[]): string {
  if (path.length === 0) return '(root)';
  let text = '';
  for (const part of path) {
    if (typeof part === 'number') text += `[${part}]`;
    else text += text === '' ? String(part) : `.${String(part)}`;
  }
  return text;
}

/** Turns zod issues into lines such as `clusters[0].channel: expected a Slack channel id ... (got "#gpu")`. */
export function describeIssues(error: z.ZodError, input: unknown): string[] {
  return error.issues.map((issue) => describeIssue(issue, input));
}

function describeIssue(issue: { path: readonly PropertyKey[]; message: string }, input: unknown): string {
  const got = valueAt(input, issue.path);
  const shown = got === undefined ? '' : ` (got ${JSON.stringify(got)})`;
  return `${formatPath(issue.path)}: ${issue.message}${shown}`;
}

function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let current: unknown = input;
  for (const key of path) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<PropertyKey, unknown>)[key];
  }
  if (current !== null && typeof current === 'object') return undefined;
  return current;
}

/** Parses YAML text and validates it; throws {@link ConfigError} naming each invalid field. */
export function parseConfig(text: string, file = '<config>'): PitstopConfig {
  const document = parseDocument(text);
  if (document.errors.length > 0) {
    throw new ConfigError(
      file,
      document.errors.map((error) => `YAML syntax: ${error.message.split('\n')[0]}`),
    );
  }
  const input: unknown = document.toJS() ?? {};
  const checked = checkConfigInput(input);
  if (checked.config === undefined) throw new ConfigError(file, checked.problems);
  return checked.config;
}

/**
 * Validates a config already parsed from YAML or JSON: the schema, every maintenance scope, and the
 * cross-field rules. Returns the config, or one line per problem with the field's path.
 */
export function checkConfigInput(input: unknown): { config?: PitstopConfig; problems: string[] } {
  const result = configSchema.safeParse(input);
  const problems = [...(result.success ? [] : describeIssues(result.error, input)), ...scopeProblems(input)];
  if (!result.success) {
    // Zod skipped the cross-field rules because a field is invalid, so they run here over the raw input.
    problems.push(...configRuleIssues(input).map((issue) => describeIssue(issue, input)));
  }
  if (!result.success || problems.length > 0) return { problems: [...new Set(problems)] };
  return { config: result.data, problems: [] };
}

/**
 * Checks each maintenance scope whose fields are valid with {@link compileScope}, the code that selects the
 * nodes at start: a scope that selects nothing, `all: true` with other criteria, or an invalid label selector.
 */
export function scopeProblems(input: unknown): string[] {
  const problems: string[] = [];
  const maintenances = (input as { maintenance?: { maintenances?: unknown } } | null)?.maintenance?.maintenances;
  if (!Array.isArray(maintenances)) return problems;
  maintenances.forEach((maintenance: unknown, index: number) => {
    const clusters = (maintenance as { clusters?: unknown } | null)?.clusters;
    if (!Array.isArray(clusters)) return;
    clusters.forEach((entry: unknown, clusterIndex: number) => {
      const path = ['maintenance', 'maintenances', index, 'clusters', clusterIndex, 'scope'];
      const scope = scopeSchema.safeParse((entry as { scope?: unknown } | null)?.scope);
      if (!scope.success || scope.data === undefined) return;
      try {
        compileScope(scope.data);
      } catch (error) {
        if (error instanceof LabelSelectorError) problems.push(`${formatPath([...path, 'labelSelector'])}: ${error.message}`);
        else if (error instanceof ScopeError) problems.push(`${formatPath(path)}: ${error.message}`);
        else throw error;
      }
    });
  });
  return problems;
}

/** Reads and validates a config file. */
export function loadConfig(file: string): PitstopConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new ConfigError(file, [`cannot read file: ${(error as Error).message}`]);
  }
  return parseConfig(text, file);
}

/** Secrets, read only from the environment. */
export interface Secrets {
  slackBotToken: string;
  slackAppToken?: string;
  slackSigningSecret?: string;
  linearApiKey?: string;
}

/** Reads Slack and Linear secrets from the environment; throws naming the missing variable. */
export function readSecrets(env: NodeJS.ProcessEnv = process.env): Secrets {
  const slackBotToken = env.SLACK_BOT_TOKEN;
  if (!slackBotToken) throw new Error('SLACK_BOT_TOKEN is not set: export the bot token (xoxb-...) of the Slack app');
  if (!env.SLACK_APP_TOKEN && !env.SLACK_SIGNING_SECRET) {
    throw new Error(
      'neither SLACK_APP_TOKEN nor SLACK_SIGNING_SECRET is set: set SLACK_APP_TOKEN (xapp-...) for Socket Mode ' +
        'or SLACK_SIGNING_SECRET for the HTTP receiver',
    );
  }
  return {
    slackBotToken,
    ...(env.SLACK_APP_TOKEN ? { slackAppToken: env.SLACK_APP_TOKEN } : {}),
    ...(env.SLACK_SIGNING_SECRET ? { slackSigningSecret: env.SLACK_SIGNING_SECRET } : {}),
    ...(env.LINEAR_API_KEY ? { linearApiKey: env.LINEAR_API_KEY } : {}),
  };
}

/** Builds the config schema as JSON Schema, for editors that complete YAML files. */
export function configJsonSchema(): unknown {
  return z.toJSONSchema(configSchema, { io: 'input', unrepresentable: 'any' });
}
