/** A figure a benchmark case reports. */
export interface Metric {
  name: string;
  value: number;
  /** Such as `ms`, `parses/s`, `chars` or `count`. */
  unit: string;
}

/** A property of the case's output that must hold for its figures to mean anything. */
export interface CaseCheck {
  name: string;
  ok: boolean;
  /** The value found, shown when the check fails. */
  detail: string;
}

/** Memory of the process that ran the case, in MiB (2^20 bytes). */
export interface MemoryFigures {
  /** Resident set size when the case started. */
  startRssMiB: number;
  /**
   * Peak resident set size of the process since it started (getrusage `ru_maxrss`). `npm run bench` runs each
   * case in its own process, so there it is the case's peak. In a shared process it covers everything run before.
   */
  peakRssMiB: number;
  /**
   * V8 heap in use at the end of the case, while its data is still referenced, minus the heap in use at its start.
   * Both are read after a full garbage collection when Node runs with `--expose-gc`, else as they are.
   */
  heapDeltaMiB: number;
  /** Whether the heap figures were read after a forced garbage collection. */
  gcForced: boolean;
}

export interface CaseResult {
  /** Stable id such as `alerts-5000`, used to run one case and as the JSON key. */
  id: string;
  title: string;
  metrics: Metric[];
  memory: MemoryFigures;
  checks: CaseCheck[];
}

const MIB = 1024 * 1024;

/** Runs a full garbage collection when Node was started with `--expose-gc`; returns whether it could. */
export function collectGarbage(): boolean {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc === undefined) return false;
  gc();
  return true;
}

/** Records the memory at a case's start, so {@link MemoryProbe.finish} can report what the case added. */
export class MemoryProbe {
  private constructor(
    private readonly startRss: number,
    private readonly startHeap: number,
    private readonly gcForced: boolean,
  ) {}

  static start(): MemoryProbe {
    const gcForced = collectGarbage();
    const usage = process.memoryUsage();
    return new MemoryProbe(usage.rss, usage.heapUsed, gcForced);
  }

  /** Call while the case's data is still referenced, or the heap delta drops to what the case leaked. */
  finish(): MemoryFigures {
    collectGarbage();
    const heapUsed = process.memoryUsage().heapUsed;
    // Node documents process.resourceUsage().maxRSS in kilobytes.
    const peakRss = process.resourceUsage().maxRSS * 1024;
    return {
      startRssMiB: round(this.startRss / MIB, 1),
      peakRssMiB: round(peakRss / MIB, 1),
      heapDeltaMiB: round((heapUsed - this.startHeap) / MIB, 1),
      gcForced: this.gcForced,
    };
  }
}

/** Returns the wall time of one call in milliseconds, from process.hrtime. */
export function timeCall(run: () => void): number {
  const started = process.hrtime.bigint();
  run();
  return Number(process.hrtime.bigint() - started) / 1e6;
}

/** Returns the wall time of one awaited call in milliseconds, from process.hrtime. */
export async function timeAsync(run: () => Promise<void>): Promise<number> {
  const started = process.hrtime.bigint();
  await run();
  return Number(process.hrtime.bigint() - started) / 1e6;
}

/** Returns the median of the values; the mean of the middle two for an even count. */
export function median(values: readonly number[]): number {
  if (values.length === 0) throw new Error('median of no values: run the case at least once');
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** Rounds to `digits` decimals. */
export function round(value: number, digits: number): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}

/** Rounds a figure to about three significant digits, as the table shows it. */
export function significant(value: number): number {
  if (value === 0 || !Number.isFinite(value)) return value;
  const digits = Math.max(0, 2 - Math.floor(Math.log10(Math.abs(value))));
  return round(value, digits);
}

export function check(name: string, ok: boolean, detail: string): CaseCheck {
  return { name, ok, detail };
}
