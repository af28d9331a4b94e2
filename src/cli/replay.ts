import { existsSync, writeFileSync } from 'node:fs';
import { pino } from 'pino';
import { ScenarioReplay, StepFailedError } from '../replay/runner.js';
import { formatChannels, formatStep, formatSummary, summarize } from '../replay/report.js';
import { loadScenario, ScenarioError, type Scenario } from '../replay/scenario.js';
import type { CliCommand } from './io.js';

const USAGE = `usage: pitstop replay SCENARIO [--transcript FILE] [--db FILE] [--quiet]

Replays a scenario (YAML or JSON) against local stand-ins for each Kubernetes cluster and for Slack,
running the whole bot on the scenario's clock, then prints what each channel shows and a summary.

options:
  --transcript FILE  write every Slack Web API call the bot made, one JSON object per line:
                     {"method": "chat.postMessage", "arguments": {...}}
  --db FILE          keep the store in FILE (a new SQLite file) instead of a temporary one
  --quiet            print only the summary

The exit code is 1 when an expect step failed, a rule threw, a delivery failed or Slack rejected the
layout of a message, which was then posted as text.
PITSTOP_LOG_LEVEL sets the level of the log written to stderr (default warn).
`;

interface ReplayArguments {
  scenario: string;
  transcript?: string;
  db?: string;
  quiet: boolean;
}

function parseArguments(argv: string[]): ReplayArguments | { error: string } | 'help' {
  const parsed: Partial<ReplayArguments> = { quiet: false };
  for (let index = 0; index < argv.length; index += 1) {
    const argument = argv[index]!;
    if (argument === '--help' || argument === '-h') return 'help';
    if (argument === '--quiet' || argument === '-q') {
      parsed.quiet = true;
    } else if (argument === '--transcript' || argument === '--db') {
      const value = argv[index + 1];
      if (value === undefined || value.startsWith('--')) return { error: `${argument} needs a file` };
      parsed[argument === '--db' ? 'db' : 'transcript'] = value;
      index += 1;
    } else if (argument.startsWith('-')) {
      return { error: `unknown option "${argument}"` };
    } else if (parsed.scenario === undefined) {
      parsed.scenario = argument;
    } else {
      return { error: `unexpected argument "${argument}": give one scenario file` };
    }
  }
  if (parsed.scenario === undefined) return { error: 'missing the scenario file' };
  return parsed as ReplayArguments;
}

export const replayCommand: CliCommand = async (argv, io) => {
  const parsed = parseArguments(argv);
  if (parsed === 'help') {
    io.stdout.write(USAGE);
    return 0;
  }
  if ('error' in parsed) {
    io.stderr.write(`pitstop replay: ${parsed.error}\n\n${USAGE}`);
    return 2;
  }
  if (parsed.db !== undefined && existsSync(parsed.db)) {
    io.stderr.write(`pitstop replay: --db ${parsed.db} already exists; a replay starts from an empty store, so name a new file\n`);
    return 1;
  }
  let scenario: Scenario;
  try {
    scenario = loadScenario(parsed.scenario);
  } catch (error) {
    if (!(error instanceof ScenarioError)) throw error;
    io.stderr.write(`${error.message}\n`);
    return 1;
  }
  const log = pino({ level: io.env.PITSTOP_LOG_LEVEL ?? 'warn', base: { app: 'pitstop' } }, process.stderr);
  if (!parsed.quiet) io.stdout.write(`${scenario.name}: ${scenario.description}\n\n`);
  const interrupt = watchStopSignals();
  const replay = await ScenarioReplay.start(scenario, {
    log,
    ...(parsed.db !== undefined ? { dbPath: parsed.db } : {}),
    ...(parsed.quiet ? {} : { onStep: (record) => io.stdout.write(`${formatStep(record)}\n`) }),
  });
  try {
    const steps = runSteps(replay);
    // Once interrupted, the steps run on until close() stops the engine under them; that failure is expected.
    steps.catch(() => undefined);
    const outcome = await Promise.race([steps, interrupt.signal]);
    if (typeof outcome === 'string') {
      io.stderr.write(`pitstop replay: stopped by ${outcome}; closing the stand-ins and removing their temporary files\n`);
      return 130;
    }
    if (outcome) {
      io.stderr.write(`pitstop replay: ${outcome.message}\nThe replay stopped there; the report on stdout covers the steps before it.\n`);
    }
    if (parsed.transcript !== undefined) writeFileSync(parsed.transcript, replay.standIns.slack.transcript());
    if (!parsed.quiet) io.stdout.write(`\n${formatChannels(replay)}\n`);
    const summary = summarize(replay);
    io.stdout.write(formatSummary(summary));
    const failed = summary.failedExpectations > 0 || Object.keys(summary.ruleErrors).length > 0;
    return outcome !== undefined || failed || summary.dead > 0 || summary.shownAsText > 0 ? 1 : 0;
  } finally {
    interrupt.dispose();
    await replay.close();
  }
};

/**
 * Catches SIGINT and SIGTERM, so an interrupted replay still stops its servers and removes its temporary
 * folder, which holds a kubeconfig with the stand-ins' token. A second signal exits at once.
 */
function watchStopSignals(): { signal: Promise<NodeJS.Signals>; dispose(): void } {
  let received = false;
  let resolveSignal: (signal: NodeJS.Signals) => void = () => undefined;
  const signal = new Promise<NodeJS.Signals>((resolve) => {
    resolveSignal = resolve;
  });
  const onSignal = (name: NodeJS.Signals): void => {
    if (received) process.exit(130);
    received = true;
    resolveSignal(name);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return {
    signal,
    dispose() {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    },
  };
}

/** Runs every step; returns the failed step's error, so the report of the steps before it still prints. */
async function runSteps(replay: ScenarioReplay): Promise<StepFailedError | undefined> {
  try {
    await replay.run();
    return undefined;
  } catch (error) {
    if (!(error instanceof StepFailedError)) throw error;
    return error;
  }
}
