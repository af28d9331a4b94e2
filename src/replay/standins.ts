import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import type { Clock } from '../clock.js';
import { startKubeStandIn, type KubeStandIn } from '../standins/kube-api.js';
import { startSlackStandIn, type SlackStandIn } from '../standins/slack-api.js';
import type { Scenario } from './scenario.js';

/** The local servers a replay runs against, and the files it wrote for them. */
export interface ReplayStandIns {
  /** One Kubernetes API stand-in per cluster name. */
  kube: Map<string, KubeStandIn>;
  slack: SlackStandIn;
  botToken: string;
  signingSecret: string;
  /** A kubeconfig with one context per cluster, named after the cluster. */
  kubeconfigPath: string;
  /** Folder of the kubeconfig (and of the store, unless the caller chose a file). */
  tempDir: string;
  close(): Promise<void>;
}

/**
 * Starts one Kubernetes API stand-in per cluster and one Slack stand-in, all on 127.0.0.1, and writes a
 * kubeconfig whose contexts point at the Kubernetes stand-ins. Message timestamps follow `clock`, so a
 * replay's messages carry the scenario's times; the post rate limit is `postsPerSecondPerChannel` of real time.
 */
export async function startReplayStandIns(scenario: Scenario, clock: Clock, postsPerSecondPerChannel: number): Promise<ReplayStandIns> {
  const tempDir = mkdtempSync(join(tmpdir(), 'pitstop-replay-'));
  const kube = new Map<string, KubeStandIn>();
  const started: { close(): Promise<void> }[] = [];
  try {
    for (const cluster of scenario.config.clusters) {
      const standIn = await startKubeStandIn({ clock });
      started.push(standIn);
      kube.set(cluster.name, standIn);
    }
    const botToken = `xoxb-replay-${randomBytes(12).toString('hex')}`;
    const slack = await startSlackStandIn({
      botToken,
      channels: scenario.slack.channels,
      users: scenario.slack.users.map((user) => ({ id: user.id, name: user.name })),
      userGroups: scenario.slack.userGroups.map((group) => ({ id: group.id, handle: group.handle, users: group.users })),
      clock,
      postsPerSecondPerChannel,
    });
    started.push(slack);
    const kubeconfigPath = join(tempDir, 'kubeconfig.yaml');
    writeFileSync(kubeconfigPath, mergedKubeconfig(kube), { mode: 0o600 });
    return {
      kube,
      slack,
      botToken,
      signingSecret: randomBytes(16).toString('hex'),
      kubeconfigPath,
      tempDir,
      async close() {
        await Promise.all(started.map((server) => server.close()));
        rmSync(tempDir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await Promise.all(started.map((server) => server.close()));
    rmSync(tempDir, { recursive: true, force: true });
    throw error;
  }
}

interface KubeconfigFile {
  clusters: unknown[];
  users: unknown[];
  contexts: unknown[];
}

/** Joins each stand-in's one-context kubeconfig into one file, the way `KUBECONFIG=a:b kubectl config view --flatten` does. */
function mergedKubeconfig(kube: Map<string, KubeStandIn>): string {
  const merged: KubeconfigFile & Record<string, unknown> = { apiVersion: 'v1', kind: 'Config', clusters: [], users: [], contexts: [] };
  for (const [name, standIn] of kube) {
    const single = parse(standIn.kubeconfigYaml(name)) as KubeconfigFile;
    merged.clusters.push(...single.clusters);
    merged.users.push(...single.users);
    merged.contexts.push(...single.contexts);
    merged['current-context'] ??= name;
  }
  return stringify(merged);
}
