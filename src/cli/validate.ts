import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { parseDocument } from 'yaml';
import { systemClock } from '../clock.js';
import { ConfigError, describeIssues, parseConfig } from '../config/load.js';
import { validationSchema, type ValidationConfig } from '../config/schema.js';
import { toNodeView, toPodView, type PodView } from '../k8s/views.js';
import { snapshotNode, validateNode, type NodeSnapshot, type NodeValidation } from '../maintenance/validations.js';
import { joinDocuments, parseJsonStream, parseYamlDocuments } from './documents.js';
import { plural } from '../slack/messages/common.js';
import { readAll, type CliCommand, type CliIo } from './io.js';

const USAGE = `usage: pitstop validate [options] [FILE]

Runs readiness-to-return checks on Node objects after a maintenance. FILE (or stdin when FILE is
omitted or -) holds a Node, a NodeList, or the List that kubectl get nodes,pods -o json prints; pods
are matched to nodes by spec.nodeName. JSON and YAML are read.

options:
  --before FILE            nodes as they were before the maintenance (same formats), the baseline
                           for GPU and RDMA allocatable, boot id, taints and labels
  --config FILE            a Pitstop config, or a file holding only its validation section
  --rdma-resource NAME     an RDMA extended resource that must be back, such as
                           rdma/rdma_shared_device_a; repeatable, added to validation.rdmaResources
  --maintenance-start TIME when the maintenance started (RFC 3339); reports before it do not count
  --returned-at TIME       when the nodes came back (RFC 3339); the soak counts from here
  --requires-reboot        the maintenance reboots nodes, so the boot id must change
  --now TIME               validate as of TIME (RFC 3339) instead of the current time
  --json                   print {"nodes": [{"name", "verdict", "checks", "reasons", "holds"}]}
  --exit-code              exit 1 unless every node is ready
  -h, --help               print this help

Notes about skipped objects go to stderr. Exit status: 0 validated (with --exit-code: every node
ready), 1 some node not ready or unknown (only with --exit-code), 2 invalid option or input.
`;

const OPTIONS = {
  before: { type: 'string' },
  config: { type: 'string' },
  'rdma-resource': { type: 'string', multiple: true },
  'maintenance-start': { type: 'string' },
  'returned-at': { type: 'string' },
  'requires-reboot': { type: 'boolean' },
  now: { type: 'string' },
  json: { type: 'boolean' },
  'exit-code': { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** Input that cannot be used; the message names the value and what to pass instead. */
class InputError extends Error {}

/** An invalid option or argument: the error is followed by the whole usage text, unlike an input error. */
class OptionError extends Error {}

type Json = Record<string, unknown>;

function isRecord(value: unknown): value is Json {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** Nodes and pods found in one input, with counts of the objects that were neither. */
interface ClusterObjects {
  nodes: Json[];
  pods: Json[];
  skipped: Map<string, number>;
}

/** Parses JSON, or YAML when the text is not JSON; `source` names the input in errors. */
function decode(text: string, source: string): unknown {
  const trimmed = text.trim();
  if (trimmed === '') throw new InputError(`${source} is empty: pass the output of kubectl get nodes -o json`);
  if (trimmed.startsWith('{') || trimmed.startsWith('[')) {
    try {
      return JSON.parse(trimmed);
    } catch (error) {
      // Objects printed one after another, as a loop over kubectl get -o json prints them.
      const stream = parseJsonStream(trimmed);
      if (stream !== null) return joinDocuments(stream);
      throw new InputError(`${source} is not valid JSON (${(error as Error).message})`);
    }
  }
  try {
    return parseYamlDocuments(trimmed);
  } catch (error) {
    throw new InputError(`${source} is neither JSON nor YAML (${(error as Error).message.split('\n')[0]})`);
  }
}

/** Returns a list item's kind: its own `kind`, the list's item kind, or a guess from fields that only one kind has. */
function itemKind(item: Json, listKind: unknown): string | null {
  if (typeof item.kind === 'string') return item.kind;
  if (listKind === 'NodeList') return 'Node';
  if (listKind === 'PodList') return 'Pod';
  const spec = isRecord(item.spec) ? item.spec : {};
  const status = isRecord(item.status) ? item.status : {};
  if (Array.isArray(spec.containers) || typeof spec.nodeName === 'string') return 'Pod';
  if (isRecord(status.nodeInfo) || isRecord(status.capacity) || isRecord(status.allocatable)) return 'Node';
  return null;
}

function readObjects(value: unknown, source: string): ClusterObjects {
  const found: ClusterObjects = { nodes: [], pods: [], skipped: new Map() };
  const skip = (label: string) => found.skipped.set(label, (found.skipped.get(label) ?? 0) + 1);
  let items: unknown[];
  let listKind: unknown;
  if (Array.isArray(value)) items = value;
  else if (isRecord(value) && Array.isArray(value.items)) {
    items = value.items;
    listKind = value.kind;
  } else if (isRecord(value) && value.kind === 'Node') items = [value];
  else {
    let found = typeof value === 'string' ? `the text ${JSON.stringify(value.slice(0, 80))}` : `JSON ${JSON.stringify(value)}`;
    if (isRecord(value)) found = typeof value.kind === 'string' ? `a ${value.kind}` : 'an object without "kind"';
    throw new InputError(
      `${source} contains ${found}, not a Node: pass a Node, a NodeList, or kubectl get nodes,pods -o json`,
    );
  }
  items.forEach((item, index) => {
    if (!isRecord(item)) return skip('entries that are not objects');
    const kind = itemKind(item, listKind);
    if (kind !== 'Node' && kind !== 'Pod') return skip(`${kind ?? 'unrecognized'} objects`);
    const metadata = isRecord(item.metadata) ? item.metadata : {};
    if (typeof metadata.name !== 'string' || metadata.name === '') {
      throw new InputError(`${source}: item ${index} is a ${kind} without metadata.name`);
    }
    (kind === 'Node' ? found.nodes : found.pods).push(item);
  });
  return found;
}

function readSource(file: string, source: string): ClusterObjects {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new InputError(
      `cannot read ${source} ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
    );
  }
  return readObjects(decode(text, `${source} ${file}`), `${source} ${file}`);
}

/**
 * Reads the validation settings from a full Pitstop config (recognized by its `clusters`), from a file with only
 * `validation:`, or from a file that is the validation section itself.
 */
export function loadValidationConfig(file: string): ValidationConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new ConfigError(file, [`cannot read file: ${(error as Error).message}`]);
  }
  const document = parseDocument(text);
  if (document.errors.length > 0) {
    throw new ConfigError(
      file,
      document.errors.map((error) => `YAML syntax: ${error.message.split('\n')[0]}`),
    );
  }
  const root: unknown = document.toJS() ?? {};
  if (isRecord(root) && 'clusters' in root) return parseConfig(text, file).validation;
  const onlyValidation = isRecord(root) && Object.keys(root).length === 1 && 'validation' in root;
  const section = onlyValidation ? (root.validation ?? {}) : root;
  const result = validationSchema.safeParse(section);
  if (result.success) return result.data;
  const prefix = onlyValidation ? 'validation.' : '';
  const problems = describeIssues(result.error, section).map((line) => `${prefix}${line}`);
  problems.push('expected a Pitstop config (with clusters) or only its validation section');
  throw new ConfigError(file, problems);
}

function parseTime(flag: string, value: string | undefined): Date | null {
  if (value === undefined) return null;
  const time = new Date(value);
  if (!/^\d{4}-\d{2}-\d{2}T/.test(value) || Number.isNaN(time.getTime())) {
    throw new OptionError(`invalid --${flag} "${value}": expected an RFC 3339 time such as 2026-03-02T10:00:00Z`);
  }
  return time;
}

type Values = ReturnType<typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: true }>>['values'];

interface Run {
  objects: ClusterObjects;
  config: ValidationConfig;
  before: Map<string, NodeSnapshot>;
  values: Values;
}

function snapshotsFrom(objects: ClusterObjects, config: ValidationConfig): Map<string, NodeSnapshot> {
  return new Map(
    objects.nodes.map((object) => {
      const snapshot = snapshotNode(toNodeView(object), config);
      return [snapshot.name, snapshot] as const;
    }),
  );
}

function validateAll(run: Run, now: Date): NodeValidation[] {
  const { values } = run;
  const startedAt = parseTime('maintenance-start', values['maintenance-start'])?.toISOString() ?? null;
  const returnedAt = parseTime('returned-at', values['returned-at'])?.toISOString() ?? null;
  const podsByNode = new Map<string, PodView[]>();
  for (const pod of run.objects.pods.map((object) => toPodView(object))) {
    if (pod.nodeName === null) continue;
    const onNode = podsByNode.get(pod.nodeName);
    if (onNode) onNode.push(pod);
    else podsByNode.set(pod.nodeName, [pod]);
  }
  const podsGiven = run.objects.pods.length > 0;
  return run.objects.nodes.map((object) => {
    const node = toNodeView(object);
    return validateNode(node, {
      config: run.config,
      before: run.before.get(node.name) ?? null,
      ...(podsGiven ? { pods: podsByNode.get(node.name) ?? [] } : {}),
      maintenance: { startedAt, requiresReboot: values['requires-reboot'] === true },
      returnedAt,
      now,
    });
  });
}

/** Lines for stderr about objects that were read but not validated, so nothing is dropped unseen. */
function notes(run: Run): string[] {
  const lines: string[] = [];
  for (const [label, count] of run.objects.skipped) lines.push(`skipped ${count} ${label}`);
  const names = new Set(run.objects.nodes.map((object) => (object.metadata as Json).name as string));
  const unplaced = run.objects.pods.filter((object) => {
    const nodeName = isRecord(object.spec) ? object.spec.nodeName : undefined;
    return typeof nodeName === 'string' && !names.has(nodeName);
  }).length;
  if (unplaced > 0) lines.push(`skipped ${plural(unplaced, 'pod')} on nodes missing from the input`);
  const missingNodes = [...run.before.keys()].filter((name) => !names.has(name));
  if (missingNodes.length > 0) {
    lines.push(`--before lists ${plural(missingNodes.length, 'node')} missing from the input: ${missingNodes.join(', ')}`);
  }
  return lines;
}

const VERDICT_TEXT: Record<NodeValidation['verdict'], string> = {
  ready: 'ready',
  not_ready: 'not ready',
  unknown: 'unknown',
};

function plainText(results: NodeValidation[]): string {
  const blocks = results.map((result) => {
    const cause = result.reasons.length > 0 ? ` (${result.reasons.join(', ')})` : '';
    const width = Math.max(...result.checks.map((check) => check.name.length));
    const lines = [`${result.name}: ${VERDICT_TEXT[result.verdict]}${cause}`];
    for (const check of result.checks)
      lines.push(`  ${check.result.padEnd(7)}  ${check.name.padEnd(width)}  ${check.evidence}`);
    for (const hold of result.holds) lines.push(`  hold     ${hold}`);
    return lines.join('\n');
  });
  const count = (verdict: NodeValidation['verdict']) => results.filter((result) => result.verdict === verdict).length;
  const nodes = plural(results.length, 'node');
  const summary = `${nodes}: ${count('ready')} ready, ${count('not_ready')} not ready, ${count('unknown')} unknown`;
  return `${blocks.join('\n\n')}\n\n${summary}\n`;
}

function jsonText(results: NodeValidation[]): string {
  const nodes = results.map((result) => ({
    name: result.name,
    verdict: result.verdict,
    checks: result.checks.map(({ name, result: outcome, evidence, reasons }) => ({
      name,
      result: outcome,
      evidence,
      reasons,
    })),
    reasons: result.reasons,
    holds: result.holds,
  }));
  return `${JSON.stringify({ nodes }, null, 2)}\n`;
}

async function readInput(positionals: string[], io: CliIo): Promise<ClusterObjects> {
  if (positionals.length > 1)
    throw new OptionError(`expected at most one FILE, got ${positionals.length}: ${positionals.join(' ')}`);
  const file = positionals[0];
  if (file !== undefined && file !== '-') return readSource(file, 'input');
  if ((io.stdin as { isTTY?: boolean }).isTTY)
    throw new InputError('no FILE given and stdin is a terminal: pipe kubectl get nodes -o json');
  return readObjects(decode(await readAll(io.stdin), 'stdin'), 'stdin');
}

async function execute(argv: string[], io: CliIo): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true });
  } catch (error) {
    throw new OptionError((error as Error).message);
  }
  const { values, positionals } = parsed;
  if (values.help) {
    io.stdout.write(USAGE);
    return 0;
  }
  const loaded = values.config === undefined ? validationSchema.parse({}) : loadValidationConfig(values.config);
  const extraRdma = values['rdma-resource'] ?? [];
  const config = { ...loaded, rdmaResources: [...new Set([...loaded.rdmaResources, ...extraRdma])] };
  const now = parseTime('now', values.now) ?? systemClock.now();
  const objects = await readInput(positionals, io);
  if (objects.nodes.length === 0)
    throw new InputError('the input contains no Node objects: pass kubectl get nodes -o json');
  const before = values.before === undefined ? new Map() : snapshotsFrom(readSource(values.before, '--before'), config);
  const run: Run = { objects, config, before, values };
  const results = validateAll(run, now);
  for (const line of notes(run)) io.stderr.write(`pitstop validate: ${line}\n`);
  io.stdout.write(values.json ? jsonText(results) : plainText(results));
  const allReady = results.every((result) => result.verdict === 'ready');
  return values['exit-code'] && !allReady ? 1 : 0;
}

/** `pitstop validate`: runs readiness-to-return checks on Node objects and prints each node's verdict and evidence. */
export const validateCommand: CliCommand = async (argv, io) => {
  try {
    return await execute(argv, io);
  } catch (error) {
    if (error instanceof ConfigError) {
      io.stderr.write(`pitstop validate: ${error.message}\n`);
      return 2;
    }
    if (error instanceof OptionError) {
      io.stderr.write(`pitstop validate: ${error.message}\n\n${USAGE}`);
      return 2;
    }
    if (!(error instanceof InputError)) throw error;
    io.stderr.write(`pitstop validate: ${error.message}\nrun pitstop validate --help for usage\n`);
    return 2;
  }
};
