import { readFileSync } from 'node:fs';
import { availableParallelism, cpus, release, totalmem } from 'node:os';

/** The machine a bench ran on, as the results page states it. */
export interface MachineInfo {
  /** Logical CPUs this process may use, as `nproc` counts them. */
  cores: number;
  cpuModel: string;
  memoryGiB: number;
  node: string;
  platform: string;
}

function cpuModel(): string {
  try {
    const line = readFileSync('/proc/cpuinfo', 'utf8')
      .split('\n')
      .find((entry) => entry.startsWith('model name'));
    const model = line?.split(':').slice(1).join(':').trim();
    if (model) return model;
  } catch {
    // Not Linux: os.cpus() below names the model on macOS and Windows.
  }
  return cpus()[0]?.model.trim() ?? 'unknown';
}

export function describeMachine(): MachineInfo {
  return {
    cores: availableParallelism(),
    cpuModel: cpuModel(),
    memoryGiB: Math.round((totalmem() / 1024 ** 3) * 10) / 10,
    node: process.version,
    platform: `${process.platform} ${release()} ${process.arch}`,
  };
}
