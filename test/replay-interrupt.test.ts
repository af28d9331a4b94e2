import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..');
const SCENARIO = join(ROOT, 'scenarios', 'nic-firmware-maintenance.yaml');

let dir: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'pitstop-interrupt-'));
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('pitstop replay interrupted', () => {
  it('removes its temporary folder on SIGINT', async () => {
    // TMPDIR points the replay's temporary folder into this test's folder, where the test can look for it.
    const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'src', 'cli.ts'), 'replay', SCENARIO], {
      cwd: ROOT,
      env: { ...process.env, TMPDIR: dir, PITSTOP_LOG_LEVEL: 'silent' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    await new Promise<void>((resolve) => {
      child.stdout.on('data', (chunk: Buffer) => {
        stdout += chunk.toString();
        if (stdout.includes('applied')) resolve();
      });
    });
    expect(readdirSync(dir).filter((name) => name.startsWith('pitstop-replay-'))).toHaveLength(1);
    child.kill('SIGINT');

    expect(await exited).toBe(130);
    expect(stderr).toContain('pitstop replay: stopped by SIGINT');
    expect(readdirSync(dir).filter((name) => name.startsWith('pitstop-replay-'))).toEqual([]);
  }, 20_000);
});
