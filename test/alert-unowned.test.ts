import { describe, expect, it } from 'vitest';
import { reconcileAlerts } from '../src/alerts/reconcile.js';
import { listOpenAlerts } from '../src/alerts/store.js';
import { escalateOverdueAlerts } from '../src/jobs/escalation.js';
import { node, outboxRows, pendingPod, removeStore, StaticFleet, testContext } from './alert-fixtures.js';

const MESSAGE = '0/1 nodes are available: 1 node(s) were unschedulable.';

function contextWith(namespace: string) {
  const fleet = new StaticFleet();
  fleet.nodeList = [node('gpu-0', { cordoned: true })];
  fleet.podList = [pendingPod('trainer-0', { namespace, message: MESSAGE, since: '2026-03-02T11:00:00Z' })];
  return testContext({ fleet });
}

function contextText(payload: { blocks?: unknown[] }): string {
  const contexts = (payload.blocks ?? []) as { type: string; elements?: { text: string }[] }[];
  return contexts
    .filter((block) => block.type === 'context')
    .flatMap((block) => block.elements ?? [])
    .map((element) => element.text)
    .join('\n');
}

describe('alerts of namespaces no team owns', () => {
  it('states that nobody is paged', () => {
    const ctx = contextWith('scratch');
    try {
      reconcileAlerts(ctx);
      const [alert] = listOpenAlerts(ctx.db);
      expect(alert!.team).toBe('unowned');
      const post = outboxRows(ctx.db).find((row) => row.kind === 'post')!;
      expect(contextText(post.payload)).toContain('Nobody will be paged: team unowned is not declared under teams');
    } finally {
      ctx.close();
      removeStore(ctx.path);
    }
  });

  it('does not escalate past the deadline', () => {
    const ctx = contextWith('scratch');
    try {
      reconcileAlerts(ctx);
      ctx.clock.advance(3_600_000);
      escalateOverdueAlerts(ctx);
      expect(listOpenAlerts(ctx.db)[0]!.escalationLevel).toBe(0);
    } finally {
      ctx.close();
      removeStore(ctx.path);
    }
  });

  it('leaves owned alerts without the note', () => {
    const ctx = contextWith('ml-train');
    try {
      reconcileAlerts(ctx);
      const post = outboxRows(ctx.db).find((row) => row.kind === 'post')!;
      expect(contextText(post.payload)).not.toContain('Nobody will be paged');
    } finally {
      ctx.close();
      removeStore(ctx.path);
    }
  });
});
