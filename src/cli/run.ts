import { systemClock } from '../clock.js';
import { loadConfig, readSecrets, type Secrets } from '../config/load.js';
import type { PitstopConfig } from '../config/schema.js';
import { startEngine } from '../engine.js';
import { createLogger } from '../log.js';
import { StartAbortedError } from '../start-steps.js';
import type { CliCommand } from './io.js';

const USAGE = `usage: pitstop run [--config FILE] [--host ADDRESS]

Starts the bot: watches the configured clusters, posts to Slack and answers its buttons and /pitstop
commands, until SIGINT or SIGTERM.

options:
  --config FILE    config file (YAML); default the PITSTOP_CONFIG environment variable
  --host ADDRESS   address the HTTP receiver binds (with SLACK_SIGNING_SECRET); default 0.0.0.0

environment:
  SLACK_BOT_TOKEN       bot token (xoxb-...), required
  SLACK_APP_TOKEN       app-level token (xapp-...): connect in Socket Mode
  SLACK_SIGNING_SECRET  signing secret: serve the HTTP receiver on slack.port instead
  LINEAR_API_KEY        Linear API key, for tickets
  PITSTOP_LOG_LEVEL     log level (trace, debug, info, warn, error); default info
`;

interface RunArguments {
  file: string;
  host?: string;
}

function parseArguments(argv: string[], env: NodeJS.ProcessEnv): RunArguments | { error: string } | 'help' {
  let file = env.PITSTOP_CONFIG;
  let host: string | undefined;
  for (let index = 0; index < argv.length; index += 1) {
    const argument = argv[index]!;
    if (argument === '--help' || argument === '-h') return 'help';
    if (argument !== '--config' && argument !== '--host') return { error: `unknown argument "${argument}"` };
    const value = argv[index + 1];
    if (value === undefined || value.startsWith('--')) return { error: `${argument} needs a value` };
    if (argument === '--config') file = value;
    else host = value;
    index += 1;
  }
  if (file === undefined || file === '') return { error: 'no config: pass --config FILE or set PITSTOP_CONFIG' };
  return { file, ...(host !== undefined ? { host } : {}) };
}

/** Calls `onSignal` on the first SIGINT or SIGTERM, with the signal's name; the returned function removes the handlers. */
function onStopSignal(onSignal: (signal: NodeJS.Signals) => void): () => void {
  const handler = (signal: NodeJS.Signals) => {
    remove();
    onSignal(signal);
  };
  const remove = () => {
    process.off('SIGINT', handler);
    process.off('SIGTERM', handler);
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
  return remove;
}

/** Resolves on the first SIGINT or SIGTERM, with the signal's name. */
function nextStopSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => onStopSignal(resolve));
}

/**
 * Ends the process shortly after an aborted start-up unless it ends by itself first. The engine is stopped
 * and the store closed by then; the timer only guards against a request of a client library that does not
 * honour the stop.
 */
function exitSoonIfStuck(): void {
  setTimeout(() => process.exit(process.exitCode ?? 0), 500).unref();
}

export const runCommand: CliCommand = async (argv, io) => {
  const parsed = parseArguments(argv, io.env);
  if (parsed === 'help') {
    io.stdout.write(USAGE);
    return 0;
  }
  if ('error' in parsed) {
    io.stderr.write(`pitstop run: ${parsed.error}\n\n${USAGE}`);
    return 2;
  }
  let config: PitstopConfig;
  let secrets: Secrets;
  try {
    config = loadConfig(parsed.file);
    secrets = readSecrets(io.env);
  } catch (error) {
    io.stderr.write(`pitstop run: ${(error as Error).message}\n`);
    return 1;
  }
  const log = createLogger(io.env.PITSTOP_LOG_LEVEL ?? 'info');
  // Handled from the start, so a signal while a cluster's first list is pending stops cleanly as well.
  const startup = new AbortController();
  let stopSignal: NodeJS.Signals | undefined;
  const removeStartupHandler = onStopSignal((signal) => {
    stopSignal = signal;
    log.info({ signal }, 'stopping during start-up');
    startup.abort();
  });
  let engine;
  try {
    engine = await startEngine({
      config,
      secrets,
      clock: systemClock,
      log,
      signal: startup.signal,
      ...(parsed.host !== undefined ? { host: parsed.host } : {}),
    });
  } catch (error) {
    removeStartupHandler();
    if (error instanceof StartAbortedError) {
      log.info({ signal: stopSignal }, 'stopped during start-up');
      exitSoonIfStuck();
      return 0;
    }
    log.error({ err: error }, 'start failed');
    io.stderr.write(`pitstop run: cannot start: ${(error as Error).message}\n`);
    return 1;
  }
  removeStartupHandler();
  if (stopSignal !== undefined) {
    // The signal came after the last start-up step, while the first rule pass ran.
    await engine.stop();
    return 0;
  }
  const signal = await nextStopSignal();
  log.info({ signal }, 'stopping');
  // A second signal while stopping ends the process at once.
  const forced = nextStopSignal().then(() => {
    log.warn('second signal: exiting without a clean stop');
    process.exit(130);
  });
  void forced;
  await engine.stop();
  return 0;
};
