import { parseSchedulerMessage } from '../k8s/scheduler-message.js';
import { readSchedulerMessages } from './corpus.js';
import { check, MemoryProbe, median, significant, timeCall, type CaseResult } from './measure.js';

export interface ParseBenchOptions {
  /** Parses per run; the corpus messages are repeated in order until this many are done. */
  parses: number;
  runs: number;
  /** Messages to parse; default the corpus kept with the tests. */
  messages?: string[];
  /** Parses of each message when looking for the slowest one. */
  parsesPerMessage?: number;
}

/** Parses every message in turn until `parses` are done; returns how many threw and how many read no reason. */
function parseRound(messages: readonly string[], parses: number): { errors: number; empty: number } {
  let errors = 0;
  let empty = 0;
  for (let index = 0; index < parses; index += 1) {
    try {
      if (parseSchedulerMessage(messages[index % messages.length]!).reasons.length === 0) empty += 1;
    } catch {
      errors += 1;
    }
  }
  return { errors, empty };
}

/** Returns the mean parse time (µs) of the message that parses slowest. */
function slowestMessage(messages: readonly string[], parsesPerMessage: number): { micros: number; index: number } {
  let slowest = { micros: 0, index: 0 };
  messages.forEach((message, index) => {
    const elapsed = timeCall(() => parseRound([message], parsesPerMessage));
    const micros = (elapsed * 1000) / parsesPerMessage;
    if (micros > slowest.micros) slowest = { micros, index };
  });
  return slowest;
}

/** Measures parseSchedulerMessage over the corpus: wall time of `parses` parses, median of `runs`. */
export function benchParse(options: ParseBenchOptions): CaseResult {
  const messages = options.messages ?? readSchedulerMessages();
  const probe = MemoryProbe.start();
  // One untimed round lets V8 compile the parser's hot paths before the timed runs.
  const warmup = parseRound(messages, Math.min(options.parses, messages.length * 20));
  const times: number[] = [];
  let outcome = warmup;
  for (let run = 0; run < options.runs; run += 1) {
    times.push(timeCall(() => (outcome = parseRound(messages, options.parses))));
  }
  const wall = median(times);
  const slowest = slowestMessage(messages, options.parsesPerMessage ?? 200);
  const memory = probe.finish();
  return {
    id: 'parse',
    title: `parseSchedulerMessage, ${messages.length} corpus messages repeated to ${options.parses.toLocaleString('en-US')} parses`,
    metrics: [
      { name: `wall time, ${options.parses.toLocaleString('en-US')} parses (median of ${options.runs})`, value: significant(wall), unit: 'ms' },
      { name: 'throughput', value: Math.round(options.parses / (wall / 1000)), unit: 'parses/s' },
      { name: 'mean time per parse', value: significant((wall * 1000) / options.parses), unit: 'µs' },
      { name: `slowest corpus message (line ${slowest.index + 1}), mean per parse`, value: significant(slowest.micros), unit: 'µs' },
    ],
    memory,
    checks: [
      check('every corpus message parses without throwing', outcome.errors === 0, `${outcome.errors} of ${options.parses} parses threw`),
      check('every parse reads at least one reason', outcome.empty === 0, `${outcome.empty} of ${options.parses} parses read no reason`),
    ],
  };
}
