import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { main } from '../src/cli.js';

const FIXTURES = join(import.meta.dirname, 'fixtures', 'nodes.jsonl');

let dir: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'pitstop-replay-commands-'));
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

function writeDump(): void {
  const items = readFileSync(FIXTURES, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => (JSON.parse(line) as { object: unknown }).object);
  writeFileSync(join(dir, 'dump.json'), JSON.stringify({ apiVersion: 'v1', kind: 'List', items }));
}

/** Replays a scenario that types `commands` after its pods have been pending 15 minutes; returns the timeline. */
async function replayCommands(commands: string[]): Promise<string> {
  writeDump();
  writeFileSync(
    join(dir, 'commands.yaml'),
    stringify({
      name: 'commands',
      description: 'Slash commands typed into the channel.',
      start: '2025-06-10T08:00:00Z',
      slack: {
        channels: [{ id: 'C0OWN', name: 'gpu-own' }],
        users: [{ id: 'U0ANA', name: 'ana' }],
        userGroups: [{ id: 'S0OPS', handle: 'ops', users: ['U0ANA'] }],
      },
      config: {
        clusters: [{ name: 'own', vendor: 'generic', channel: 'C0OWN' }],
        teams: [{ name: 'ops', userGroup: 'S0OPS', namespaces: ['default'] }],
        alerting: { defaultTeam: 'ops' },
      },
      steps: [
        { at: '+0', apply: { file: 'dump.json' } },
        { at: '+0', advance: { for: '15m' } },
        ...commands.map((text) => ({ at: '+15m', command: { user: 'ana', channel: '#gpu-own', text } })),
      ],
    }),
  );
  let stdout = '';
  let stderr = '';
  const code = await main(['replay', join(dir, 'commands.yaml')], {
    stdin: process.stdin,
    stdout: { write: (text: string) => (stdout += text) },
    stderr: { write: (text: string) => (stderr += text) },
    env: { PITSTOP_LOG_LEVEL: 'silent' },
  });
  expect(stderr).toBe('');
  expect(code).toBe(0);
  return stdout.split('\n#gpu-own')[0]!;
}

describe('replay timeline of slash commands', () => {
  it('shows whole replies as plain text', async () => {
    const timeline = await replayCommands(['/pitstop help', '/pitstop pending', '/pitstop ack AL-1', '/pitstop ack AL-1']);
    const help = timeline.slice(timeline.indexOf('typed "/pitstop help"'));
    const lines = help.split('\n');
    expect(lines[0]).toMatch(/typed "\/pitstop help" in #gpu-own, reply:$/);
    expect(lines[1]).toMatch(/^ {6}\*\/pitstop\* subcommands:/);
    expect(lines[2]).toMatch(/^ {6}\S/);
    expect(timeline).toContain('typed "/pitstop pending" in #gpu-own, reply:');
    expect(timeline).toMatch(/already acknowledged by @ana at 2025-06-10/);
    expect(timeline).not.toMatch(/<!date\^/);
    expect(timeline).not.toMatch(/<@U|<!subteam\^/);
  }, 60_000);
});
