#!/usr/bin/env node
import type { CliCommand, CliIo } from './cli/io.js';

/** Each subcommand's module is loaded only when it runs, so `pitstop explain` does not load Bolt. */
const commands: Record<string, { summary: string; load: () => Promise<CliCommand> }> = {
  run: { summary: 'start the bot with a config file', load: async () => (await import('./cli/run.js')).runCommand },
  replay: {
    summary: 'replay a scenario against local Kubernetes and Slack stand-ins',
    load: async () => (await import('./cli/replay.js')).replayCommand,
  },
  'check-config': {
    summary: 'validate a config file without starting',
    load: async () => (await import('./cli/check-config.js')).checkConfigCommand,
  },
  explain: {
    summary: 'read a scheduler message, Pod or pod list and say why pods are pending',
    load: async () => (await import('./cli/explain.js')).explainCommand,
  },
  validate: {
    summary: 'run readiness-to-return checks on Node objects',
    load: async () => (await import('./cli/validate.js')).validateCommand,
  },
  notice: {
    summary: 'read a vendor maintenance notice and list the events it announces',
    load: async () => (await import('./cli/notice.js')).noticeCommand,
  },
};

export function usage(): string {
  const width = Math.max(...Object.keys(commands).map((name) => name.length));
  const lines = Object.entries(commands).map(([name, command]) => `  ${name.padEnd(width)}  ${command.summary}`);
  return `usage: pitstop COMMAND [options]\n\ncommands:\n${lines.join('\n')}\n\nRun pitstop COMMAND --help for its options.\n`;
}

export async function main(argv: string[], io: CliIo): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    io.stdout.write(usage());
    return name === undefined ? 2 : 0;
  }
  const command = commands[name];
  if (!command) {
    io.stderr.write(`unknown command "${name}"\n\n${usage()}`);
    return 2;
  }
  return (await command.load())(rest, io);
}

const invokedDirectly = process.argv[1] !== undefined && import.meta.url === new URL(`file://${process.argv[1]}`).href;
if (invokedDirectly || process.argv[1]?.endsWith('/pitstop')) {
  main(process.argv.slice(2), { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr, env: process.env }).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      process.stderr.write(`pitstop: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exitCode = 1;
    },
  );
}
