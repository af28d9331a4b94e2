/**
 * `npm run bench`: runs every benchmark case, each in a fresh Node process started with `--expose-gc` so its peak
 * RSS and heap figures are its own, prints one table and optionally writes the results as JSON.
 *
 * Usage: node dist/bench/run.js [--json FILE] [--only ID,ID...]
 */
import { fork } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { BENCH_CASES } from './cases.js';
import { describeMachine } from './machine.js';
import { round, type CaseResult } from './measure.js';
import { formatFailures, formatMachine, formatTable, type BenchReport } from './report.js';

interface Arguments {
  json?: string;
  only?: string[];
  /** Set in the child process: the one case to run, whose result goes back over IPC. */
  caseId?: string;
}

const USAGE = `usage: node dist/bench/run.js [--json FILE] [--only ID,ID...]
  --json FILE   also write the results as JSON to FILE
  --only IDS    run only these cases (comma-separated): ${BENCH_CASES.map((entry) => entry.id).join(', ')}`;

function parseArguments(argv: string[]): Arguments {
  const parsed: Arguments = {};
  for (let index = 0; index < argv.length; index += 1) {
    const flag = argv[index]!;
    const value = argv[index + 1];
    if (flag === '--help' || flag === '-h') {
      console.log(USAGE);
      process.exit(0);
    }
    if (flag !== '--json' && flag !== '--only' && flag !== '--case') throw new Error(`unknown option "${flag}"\n${USAGE}`);
    if (value === undefined || value.startsWith('--')) throw new Error(`option ${flag} needs a value\n${USAGE}`);
    index += 1;
    if (flag === '--json') parsed.json = value;
    else if (flag === '--case') parsed.caseId = value;
    else parsed.only = value.split(',').map((id) => id.trim()).filter((id) => id !== '');
  }
  const known = new Set(BENCH_CASES.map((entry) => entry.id));
  for (const id of [...(parsed.only ?? []), ...(parsed.caseId === undefined ? [] : [parsed.caseId])]) {
    if (!known.has(id)) throw new Error(`unknown case "${id}": expected one of ${[...known].join(', ')}`);
  }
  return parsed;
}

/** Runs one case in this process and sends its result to the parent. */
async function runChild(caseId: string): Promise<void> {
  const result = await BENCH_CASES.find((entry) => entry.id === caseId)!.run();
  await new Promise<void>((resolve, reject) => process.send!(result, (error: Error | null) => (error ? reject(error) : resolve())));
}

function runInChild(caseId: string): Promise<CaseResult> {
  const child = fork(fileURLToPath(import.meta.url), ['--case', caseId], {
    execArgv: [...process.execArgv, '--expose-gc'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  return new Promise((resolve, reject) => {
    let result: CaseResult | undefined;
    child.on('message', (message) => (result = message as CaseResult));
    child.once('error', reject);
    child.once('exit', (code, signal) => {
      if (result !== undefined && code === 0) resolve(result);
      else reject(new Error(`case ${caseId} failed: its process exited with ${signal ?? `code ${code}`}`));
    });
  });
}

async function main(): Promise<void> {
  const args = parseArguments(process.argv.slice(2));
  if (args.caseId !== undefined) return runChild(args.caseId);
  const machine = describeMachine();
  const startedAt = new Date();
  const loadAtStart = loadavg()[0]!;
  const started = process.hrtime.bigint();
  const selected = BENCH_CASES.filter((entry) => args.only === undefined || args.only.includes(entry.id));
  console.log(`Pitstop bench on ${formatMachine(machine)}`);
  const cases: CaseResult[] = [];
  for (const entry of selected) {
    const caseStarted = process.hrtime.bigint();
    cases.push(await runInChild(entry.id));
    console.log(`  ${entry.id} done in ${(Number(process.hrtime.bigint() - caseStarted) / 1e9).toFixed(1)} s`);
  }
  const failures = formatFailures(cases);
  const report: BenchReport = {
    machine,
    startedAt: startedAt.toISOString(),
    durationSeconds: Math.round(Number(process.hrtime.bigint() - started) / 1e8) / 10,
    loadAverage: { start: round(loadAtStart, 2), end: round(loadavg()[0]!, 2) },
    ok: failures === '',
    cases,
  };
  console.log(`\n${formatTable(cases)}\n`);
  console.log(`Load average (1 min) ${report.loadAverage.start} at the start, ${report.loadAverage.end} at the end.`);
  console.log(failures === '' ? `All checks passed in ${report.durationSeconds} s.` : failures);
  if (args.json !== undefined) {
    writeFileSync(args.json, `${JSON.stringify(report, null, 2)}\n`);
    console.log(`Results written to ${args.json}`);
  }
  if (!report.ok) process.exitCode = 1;
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
