import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { main } from '../src/cli.js';
import { startKubeStandIn } from '../src/standins/kube-api.js';
import { startSlackStandIn } from '../src/standins/slack-api.js';

const ROOT = join(import.meta.dirname, '..');

let dir: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'pitstop-cli-test-'));
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

async function cli(argv: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await main(argv, {
    stdin: process.stdin,
    stdout: { write: (text: string) => (stdout += text) },
    stderr: { write: (text: string) => (stderr += text) },
    env,
  });
  return { code, stdout, stderr };
}

describe('pitstop CLI', () => {
  it('--help lists every command', async () => {
    const result = await cli(['--help']);
    expect(result.code).toBe(0);
    for (const command of ['run', 'replay', 'check-config', 'explain', 'validate', 'notice']) {
      expect(result.stdout).toMatch(new RegExp(`^  ${command} `, 'm'));
    }
  });

  it('prints usage and exits 2 without a command', async () => {
    const result = await cli([]);
    expect(result.code).toBe(2);
    expect(result.stdout).toContain('usage: pitstop COMMAND');
  });

  it('rejects an unknown command', async () => {
    const result = await cli(['deploy']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('unknown command "deploy"');
    expect(result.stderr).toContain('usage: pitstop COMMAND');
  });

  it('replay --help describes its flags', async () => {
    const result = await cli(['replay', '--help']);
    expect(result.code).toBe(0);
    for (const flag of ['--transcript FILE', '--db FILE', '--quiet']) expect(result.stdout).toContain(flag);
  });

  it('replay needs a scenario', async () => {
    const result = await cli(['replay']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('missing the scenario file');
  });

  it('replay rejects an unknown option', async () => {
    const result = await cli(['replay', 'scenario.yaml', '--fast']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('unknown option "--fast"');
  });

  it('replay names the problems of an invalid scenario', async () => {
    const file = join(dir, 'invalid.yaml');
    writeFileSync(file, 'name: Bad Name\ndescription: x\nstart: soon\n');
    const result = await cli(['replay', file]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`invalid scenario ${file}:`);
    expect(result.stderr).toMatch(/- name: expected a lowercase name/);
    expect(result.stderr).toMatch(/- start: /);
    expect(result.stderr).toMatch(/- slack: /);
  });

  it('replay refuses an existing store file', async () => {
    const file = join(dir, 'existing.db');
    writeFileSync(file, '');
    const result = await cli(['replay', join(ROOT, 'scenarios', 'nic-firmware-maintenance.yaml'), '--db', file]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`--db ${file} already exists`);
  });

  it('run --help lists the environment variables', async () => {
    const result = await cli(['run', '--help']);
    expect(result.code).toBe(0);
    for (const name of ['SLACK_BOT_TOKEN', 'SLACK_APP_TOKEN', 'SLACK_SIGNING_SECRET', 'LINEAR_API_KEY', 'PITSTOP_CONFIG']) {
      expect(result.stdout).toContain(name);
    }
  });

  it('run needs a config', async () => {
    const result = await cli(['run']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('no config: pass --config FILE or set PITSTOP_CONFIG');
  });

  it('run prints config problems with their paths', async () => {
    const file = join(dir, 'bad-config.yaml');
    writeFileSync(file, 'clusters:\n  - { name: east, vendor: aws, context: east, channel: "#gpu" }\n');
    const result = await cli(['run'], { PITSTOP_CONFIG: file });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('clusters[0].channel: expected a Slack channel id');
  });

  it('run names a missing Slack token', async () => {
    const result = await cli(['run', '--config', join(ROOT, 'examples', 'pitstop.yaml')]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('SLACK_BOT_TOKEN is not set');
  });
});

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

describe('pitstop run', () => {
  it('announces a maintenance and stops cleanly on SIGTERM', async () => {
    const kube = await startKubeStandIn();
    const botToken = 'xoxb-run-test';
    const slack = await startSlackStandIn({ botToken, channels: [{ id: 'C0EAST', name: 'gpu-east' }] });
    try {
      kube.apply({
        apiVersion: 'v1',
        kind: 'Node',
        metadata: { name: 'gpu-node-01', labels: { 'nvidia.com/gpu.product': 'NVIDIA-H100-80GB-HBM3' } },
        spec: {},
        status: { capacity: { 'nvidia.com/gpu': '8' }, allocatable: { 'nvidia.com/gpu': '8' }, conditions: [{ type: 'Ready', status: 'True' }] },
      });
      writeFileSync(join(dir, 'kubeconfig.yaml'), kube.kubeconfigYaml('east'));
      const start = new Date(Date.now() + 30 * 60_000);
      const config = {
        clusters: [{ name: 'east', vendor: 'aws', context: 'east', kubeconfig: join(dir, 'kubeconfig.yaml'), channel: 'C0EAST' }],
        maintenance: {
          announceBefore: ['1h'],
          maintenances: [
            {
              id: 'MX-7',
              title: 'Driver rollout',
              kind: 'driver',
              vendor: 'aws',
              owner: 'U0OWNER',
              clusters: [{ cluster: 'east' }],
              start: start.toISOString(),
              end: new Date(start.getTime() + 3_600_000).toISOString(),
            },
          ],
        },
        store: { path: join(dir, 'run.db') },
        slack: { apiUrl: slack.url, port: await freePort() },
      };
      writeFileSync(join(dir, 'run.yaml'), stringify(config));
      const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'src', 'cli.ts'), 'run', '--config', join(dir, 'run.yaml'), '--host', '127.0.0.1'], {
        cwd: ROOT,
        env: { ...process.env, SLACK_BOT_TOKEN: botToken, SLACK_SIGNING_SECRET: 'run-test-secret', PITSTOP_LOG_LEVEL: 'info' },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let output = '';
      child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
      child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
      const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
      await slack.waitForCalls('chat.postMessage', 1, 20_000);
      await waitFor(() => output.includes('engine started'), 5_000);
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
      expect(output).toContain('engine stopped');
      const post = slack.calls.find((call) => call.method === 'chat.postMessage')!;
      expect(post.arguments.channel).toBe('C0EAST');
      expect(String(post.arguments.text)).toContain('MX-7');
    } finally {
      await slack.close();
      await kube.close();
    }
  }, 40_000);
});

async function waitFor(check: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out waiting for the condition');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
