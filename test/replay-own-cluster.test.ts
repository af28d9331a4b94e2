import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { main } from '../src/cli.js';

const FIXTURES = join(import.meta.dirname, 'fixtures', 'nodes.jsonl');

let dir: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'pitstop-own-cluster-'));
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** Writes the fixture objects as one List, the shape `kubectl get nodes,pods -A -o json` prints. */
function writeDump(): number {
  const items = readFileSync(FIXTURES, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => (JSON.parse(line) as { object: unknown }).object);
  writeFileSync(join(dir, 'dump.json'), JSON.stringify({ apiVersion: 'v1', kind: 'List', metadata: { resourceVersion: '' }, items }, null, 4));
  return items.length;
}

describe('replay of a cluster dump', () => {
  it('alerts on the pending pods of a kubectl dump', async () => {
    expect(writeDump()).toBeGreaterThan(20);
    writeFileSync(
      join(dir, 'own.yaml'),
      stringify({
        name: 'own-cluster',
        description: 'Nodes and pods as users pasted them from their clusters.',
        start: '2025-06-10T08:00:00Z',
        slack: { channels: [{ id: 'C0OWN', name: 'gpu-own' }], userGroups: [{ id: 'S0OPS', handle: 'ops' }] },
        config: {
          clusters: [{ name: 'own', vendor: 'generic', channel: 'C0OWN' }],
          teams: [{ name: 'ops', userGroup: 'S0OPS', namespaces: ['default'] }],
          alerting: { defaultTeam: 'ops' },
        },
        steps: [
          { at: '+0', apply: { file: 'dump.json' } },
          { at: '+0', advance: { for: '15m' } },
        ],
      }),
    );
    let stdout = '';
    let stderr = '';
    const transcript = join(dir, 'transcript.jsonl');
    const code = await main(['replay', join(dir, 'own.yaml'), '--transcript', transcript, '--quiet'], {
      stdin: process.stdin,
      stdout: { write: (text: string) => (stdout += text) },
      stderr: { write: (text: string) => (stderr += text) },
      env: { PITSTOP_LOG_LEVEL: 'silent' },
    });
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(stdout).toMatch(/^Replayed own-cluster: 2 steps over 15m of scenario time/);
    expect(stdout).toContain('0 failed.');
    const calls = readFileSync(transcript, 'utf8')
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line) as { method: string; arguments: Record<string, unknown> });
    expect(calls.every((call) => typeof call.method === 'string' && typeof call.arguments === 'object')).toBe(true);
    const alerts = calls.filter((call) => call.method === 'chat.postMessage' && String(call.arguments.text).includes('pending on own'));
    expect(alerts.length).toBeGreaterThanOrEqual(3);
    expect(alerts.every((call) => call.arguments.channel === 'C0OWN')).toBe(true);
  });
});
