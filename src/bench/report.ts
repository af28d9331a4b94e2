import type { MachineInfo } from './machine.js';
import type { CaseResult } from './measure.js';

/** The document `--json FILE` writes. */
export interface BenchReport {
  machine: MachineInfo;
  startedAt: string;
  durationSeconds: number;
  /**
   * One-minute load average at the start and the end of the run. It counts the bench's own processes, up to two at a
   * time, and under `npm run bench` the build before it. A value well above that means other work shared the CPUs.
   */
  loadAverage: { start: number; end: number };
  /** False when any case failed a check, so its figures do not describe working code. */
  ok: boolean;
  cases: CaseResult[];
}

function escapeCell(text: string): string {
  return text.replace(/\|/g, '\\|');
}

function formatValue(value: number): string {
  return value.toLocaleString('en-US', { maximumFractionDigits: 2 });
}

/** Renders the results as one Markdown table (case, figure, value, unit), readable in a terminal as it is. */
export function formatTable(cases: readonly CaseResult[]): string {
  const rows: string[][] = [];
  for (const result of cases) {
    for (const metric of result.metrics) rows.push([result.id, metric.name, formatValue(metric.value), metric.unit]);
    rows.push([result.id, 'peak RSS of the case process', formatValue(result.memory.peakRssMiB), 'MiB']);
    rows.push([result.id, `heap delta${result.memory.gcForced ? ' (after GC)' : ' (no GC, rough)'}`, formatValue(result.memory.heapDeltaMiB), 'MiB']);
  }
  const header = ['case', 'figure', 'value', 'unit'];
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column]!.length)));
  const line = (cells: string[]): string =>
    `| ${cells.map((cell, column) => (column === 2 ? cell.padStart(widths[column]!) : cell.padEnd(widths[column]!))).map(escapeCell).join(' | ')} |`;
  const rule = `|${widths.map((width, column) => (column === 2 ? `${'-'.repeat(width + 1)}:` : '-'.repeat(width + 2))).join('|')}|`;
  return [line(header), rule, ...rows.map(line)].join('\n');
}

/** Lists the checks that failed, one line each, or returns an empty string. */
export function formatFailures(cases: readonly CaseResult[]): string {
  return cases
    .flatMap((result) => result.checks.filter((entry) => !entry.ok).map((entry) => `FAILED ${result.id}: ${entry.name} (${entry.detail})`))
    .join('\n');
}

export function formatMachine(machine: MachineInfo): string {
  return `${machine.cores} cores, ${machine.cpuModel}, ${machine.memoryGiB} GiB, Node ${machine.node}, ${machine.platform}`;
}
