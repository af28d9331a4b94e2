import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer as createTcpServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { main } from '../src/cli.js';
import { startKubeStandIn } from '../src/standins/kube-api.js';
import { startSlackStandIn } from '../src/standins/slack-api.js';

const ROOT = join(import.meta.dirname, '..');
const ENV = { SLACK_BOT_TOKEN: 'xoxb-startup-test', SLACK_SIGNING_SECRET: 'startup-test-secret' };

let dir: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'pitstop-run-startup-'));
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

async function cli(argv: string[]): Promise<{ code: number; stderr: string }> {
  let stderr = '';
  const code = await main(argv, {
    stdin: process.stdin,
    stdout: { write: () => true },
    stderr: { write: (text: string) => (stderr += text) },
    env: { ...ENV, PITSTOP_LOG_LEVEL: 'silent' },
  });
  return { code, stderr };
}

/** Starts a loopback API server that accepts every request and never responds, like an API server that hangs. */
async function startSilentServer(): Promise<{ url: string; close: () => Promise<void> }> {
  const server: Server = createHttpServer(() => undefined);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no address');
  return {
    url: `http://127.0.0.1:${address.port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function kubeconfigFor(server: string): string {
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'east', cluster: { server, 'insecure-skip-tls-verify': true } }],
    users: [{ name: 'east', user: { token: 'test-token' } }],
    contexts: [{ name: 'east', context: { cluster: 'east', user: 'east' } }],
    'current-context': 'east',
  });
}

function writeConfig(name: string, fields: Record<string, unknown>): string {
  const file = join(dir, `${name}.yaml`);
  const config = {
    clusters: [{ name: 'east', vendor: 'aws', context: 'east', kubeconfig: join(dir, `${name}-kubeconfig.yaml`), channel: 'C0EAST' }],
    ...fields,
  };
  writeFileSync(file, stringify(config));
  return file;
}

async function usedPort(): Promise<{ port: number; close: () => Promise<void> }> {
  const server = createTcpServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  return { port: address.port, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

describe('pitstop run start-up errors', () => {
  it('names a store folder that does not exist', async () => {
    const api = await startSilentServer();
    try {
      writeFileSync(join(dir, 'store-kubeconfig.yaml'), kubeconfigFor(api.url));
      const path = join(dir, 'absent', 'pitstop.db');
      const file = writeConfig('store', { store: { path }, slack: { apiUrl: `${api.url}/api/` } });
      const result = await cli(['run', '--config', file]);
      expect(result.code).toBe(1);
      expect(result.stderr).toContain(`store.path "${path}": the folder "${join(dir, 'absent')}" does not exist`);
      expect(result.stderr).toContain(`mkdir -p ${join(dir, 'absent')}`);
    } finally {
      await api.close();
    }
  });

  it('names a Slack port in use', async () => {
    const kube = await startKubeStandIn();
    const slack = await startSlackStandIn({ botToken: ENV.SLACK_BOT_TOKEN, channels: [{ id: 'C0EAST', name: 'gpu-east' }] });
    const taken = await usedPort();
    try {
      writeFileSync(join(dir, 'port-kubeconfig.yaml'), kube.kubeconfigYaml('east'));
      const file = writeConfig('port', {
        store: { path: join(dir, 'port.db') },
        slack: { apiUrl: slack.url, port: taken.port },
      });
      const result = await cli(['run', '--config', file, '--host', '127.0.0.1']);
      expect(result.code).toBe(1);
      expect(result.stderr).toContain(`slack.port ${taken.port}: the port is already in use`);
      expect(result.stderr).toContain('set slack.port to a free port');
    } finally {
      await taken.close();
      await slack.close();
      await kube.close();
    }
  }, 20_000);

  it('names a notice intake port in use', async () => {
    const kube = await startKubeStandIn();
    const slack = await startSlackStandIn({ botToken: ENV.SLACK_BOT_TOKEN, channels: [{ id: 'C0EAST', name: 'gpu-east' }] });
    const taken = await usedPort();
    const free = await usedPort();
    await free.close();
    try {
      writeFileSync(join(dir, 'intake-kubeconfig.yaml'), kube.kubeconfigYaml('east'));
      const file = writeConfig('intake', {
        store: { path: join(dir, 'intake.db') },
        slack: { apiUrl: slack.url, port: free.port },
        notices: { port: taken.port },
      });
      const result = await cli(['run', '--config', file, '--host', '127.0.0.1']);
      expect(result.code).toBe(1);
      expect(result.stderr).toContain(`notices.port ${taken.port}: the port is already in use`);
    } finally {
      await taken.close();
      await slack.close();
      await kube.close();
    }
  }, 20_000);
});

describe('pitstop run signals during start-up', () => {
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    it(`stops cleanly on ${signal} before the first list`, async () => {
      const api = await startSilentServer();
      try {
        const name = `signal-${signal}`;
        writeFileSync(join(dir, `${name}-kubeconfig.yaml`), kubeconfigFor(api.url));
        const store = join(dir, `${name}.db`);
        const file = writeConfig(name, { store: { path: store }, slack: { apiUrl: `${api.url}/api/` } });
        const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'src', 'cli.ts'), 'run', '--config', file, '--host', '127.0.0.1'], {
          cwd: ROOT,
          env: { ...process.env, ...ENV, PITSTOP_LOG_LEVEL: 'info' },
          stdio: ['ignore', 'pipe', 'pipe'],
        });
        let output = '';
        child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
        child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
        const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
        await waitFor(() => output.includes('starting cluster watches'), 15_000);
        const sentAt = Date.now();
        child.kill(signal);
        const code = await Promise.race([exited, new Promise((resolve) => setTimeout(() => resolve('timeout'), 8_000))]);
        if (code === 'timeout') child.kill('SIGKILL');
        expect(code).toBe(0);
        expect(Date.now() - sentAt).toBeLessThan(5_000);
        expect(output).toContain('stopped during start-up');
        expect(output).not.toContain('engine started');
        // SQLite removes the WAL file when the last connection closes.
        expect(existsSync(`${store}-wal`)).toBe(false);
      } finally {
        await api.close();
      }
    }, 30_000);
  }
});

async function waitFor(check: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out waiting for the condition');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
