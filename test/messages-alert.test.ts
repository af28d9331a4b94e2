import { describe, expect, it } from 'vitest';
import { describeBreakdownEntry } from '../src/alerts/blocking.js';
import type { AlertSnapshot } from '../src/alerts/snapshot.js';
import type { Alert } from '../src/alerts/store.js';
import {
  ALERT_ACTION_IDS,
  buildAlertMessage,
  buildEscalatedReply,
  decodeActionValue,
  encodeActionValue,
  stateLine,
} from '../src/slack/messages/alert.js';
import { validateBlocks } from '../src/standins/slack-block-kit.js';
import { blockTextLength, checkMessageLimits, escapeMrkdwn, joinWithMore, LIMITS, truncate } from '../src/slack/messages/common.js';

function snapshot(overrides: Partial<AlertSnapshot> = {}): AlertSnapshot {
  return {
    cluster: 'gpu-east',
    team: 'ml',
    cause: { key: 'unschedulable', category: 'unschedulable', text: 'node(s) were unschedulable' },
    podCount: 31,
    since: '2026-03-02T10:00:00Z',
    namespaces: ['ml-train'],
    namespaceCount: 1,
    workloads: [
      { namespace: 'ml-train', kind: 'JobSet', name: 'llm-pretrain', count: 24 },
      { namespace: 'ml-train', kind: 'Deployment', name: 'serve', count: 7 },
    ],
    workloadCount: 2,
    blocking: { kind: 'cordoned', summary: '24 nodes cordoned', nodes: ['gpu-0', 'gpu-1'], nodeCount: 24, breakdown: [{ label: 'Ready', count: 24 }] },
    maintenance: null,
    ...overrides,
  };
}

function alert(overrides: Partial<Alert> = {}): Alert {
  const snap = overrides.snapshot ?? snapshot();
  return {
    id: 12,
    groupKey: 'pending/gpu-east/ml/unschedulable',
    cluster: 'gpu-east',
    team: 'ml',
    cause: 'unschedulable',
    channel: 'C0GPUEAST',
    state: 'open',
    escalationLevel: 0,
    escalatedBy: null,
    escalatedAt: null,
    waitingSince: '2026-03-02T10:10:00Z',
    acknowledgedBy: null,
    acknowledgedAt: null,
    snoozedUntil: null,
    snoozedBy: null,
    maintenanceId: null,
    podCount: snap.podCount,
    reportedCount: snap.podCount,
    summary: '',
    snapshot: snap,
    renderedHash: null,
    replySeq: 0,
    openedAt: '2026-03-02T10:10:00Z',
    updatedAt: '2026-03-02T10:10:00Z',
    resolvedAt: null,
    resolvedBy: null,
    ...overrides,
  };
}

const LEVEL_ONE = { level: 1, userGroup: 'S0MLTRAIN', description: "team ml's user group" };
const CHOICES = ['1h', '4h', '1d'];

type Block = { type: string; text?: { text: string }; elements?: Record<string, unknown>[]; fields?: { text: string }[] };

function blocksOf(message: { blocks?: unknown[] }): Block[] {
  return (message.blocks ?? []) as Block[];
}

function actionElements(message: { blocks?: unknown[] }): Record<string, unknown>[] {
  return blocksOf(message).find((block) => block.type === 'actions')?.elements ?? [];
}

function allText(message: { blocks?: unknown[] }): string {
  return JSON.stringify(message.blocks);
}

describe('alert message', () => {
  it('shows cause, counts, workloads and nodes', () => {
    const message = buildAlertMessage({ alert: alert(), nextEscalation: LEVEL_ONE, snoozeChoices: CHOICES });
    expect(checkMessageLimits(message)).toEqual([]);
    expect(validateBlocks(message.blocks!, 'message')).toEqual([]);
    const blocks = blocksOf(message);
    expect(blocks[0]!.type).toBe('header');
    expect(blocks[0]!.text!.text).toBe(':rotating_light: 31 pods pending on gpu-east · ml');
    expect(allText(message)).toContain('Nodes the pods need are cordoned');
    expect(allText(message)).toContain('24 nodes cordoned');
    expect(allText(message)).toContain('JobSet/llm-pretrain in `ml-train`: 24 pods');
    expect(allText(message)).toContain('`gpu-0`, `gpu-1` and 22 more');
    expect(message.text).toBe('AL-12: 31 pods pending on gpu-east (team ml): 24 nodes cordoned');
  });

  it('words the blocking breakdown in full', () => {
    const blocking = {
      kind: 'cordoned',
      summary: '2 nodes cordoned',
      nodes: ['gpu-0', 'gpu-1'],
      nodeCount: 2,
      breakdown: [
        { label: 'Ready', count: 1 },
        { label: 'readiness unknown', count: 1 },
      ],
    };
    const message = buildAlertMessage({ alert: alert({ snapshot: snapshot({ blocking }) }), nextEscalation: LEVEL_ONE, snoozeChoices: CHOICES });
    expect(allText(message)).toContain('1 of them Ready');
    expect(allText(message)).toContain('1 of them with readiness unknown');
    expect(allText(message)).not.toContain('Ready: 1');
  });

  it('carries the alert id in every action', () => {
    const message = buildAlertMessage({ alert: alert(), nextEscalation: LEVEL_ONE, snoozeChoices: CHOICES });
    const elements = actionElements(message);
    expect(elements.map((element) => element.action_id)).toEqual([
      ALERT_ACTION_IDS.acknowledge,
      ALERT_ACTION_IDS.escalate,
      ALERT_ACTION_IDS.snooze,
    ]);
    expect(elements[0]!.value).toBe('AL-12');
    expect(decodeActionValue(elements[1]!.value as string)).toEqual({ alertId: 12, argument: '1' });
    const options = elements[2]!.options as { value: string; text: { text: string } }[];
    expect(options.map((option) => decodeActionValue(option.value))).toEqual([
      { alertId: 12, argument: '1h' },
      { alertId: 12, argument: '4h' },
      { alertId: 12, argument: '1d' },
    ]);
    expect(options[0]!.text.text).toBe('Snooze 1h');
  });

  it('shows who acknowledged and drops the button', () => {
    const acknowledged = alert({ state: 'acknowledged', acknowledgedBy: 'W0ANA', acknowledgedAt: '2026-03-02T11:07:00Z' });
    const message = buildAlertMessage({ alert: acknowledged, nextEscalation: LEVEL_ONE, snoozeChoices: CHOICES });
    expect(stateLine(acknowledged)).toBe('Acknowledged by <@W0ANA> at <!date^1772449620^{date_short_pretty} {time}|2026-03-02T11:07:00Z>.');
    expect(allText(message)).toContain('Acknowledged by <@W0ANA>');
    expect(actionElements(message).map((element) => element.action_id)).toEqual([ALERT_ACTION_IDS.escalate, ALERT_ACTION_IDS.snooze]);
    expect(blocksOf(message)[0]!.text!.text.startsWith(':eyes:')).toBe(true);
  });

  it('hides Escalate when no level is left', () => {
    const message = buildAlertMessage({ alert: alert(), nextEscalation: null, snoozeChoices: CHOICES });
    expect(actionElements(message).map((element) => element.action_id)).not.toContain(ALERT_ACTION_IDS.escalate);
  });

  it('drops the buttons once resolved', () => {
    const resolved = alert({ state: 'resolved', resolvedAt: '2026-03-02T12:00:00Z', resolvedBy: 'pitstop' });
    const message = buildAlertMessage({ alert: resolved, nextEscalation: LEVEL_ONE, snoozeChoices: CHOICES });
    expect(blocksOf(message).some((block) => block.type === 'actions')).toBe(false);
    expect(message.text.startsWith('Resolved: AL-12')).toBe(true);
    expect(checkMessageLimits(message)).toEqual([]);
  });

  it('states snooze and escalation', () => {
    const snoozed = alert({
      state: 'snoozed',
      snoozedBy: 'U0BOB',
      snoozedUntil: '2026-03-02T13:00:00Z',
      escalationLevel: 1,
      escalatedBy: 'pitstop',
      escalatedAt: '2026-03-02T10:40:00Z',
    });
    const line = stateLine(snoozed);
    expect(line).toContain('Escalated to level 1 by *pitstop*');
    expect(line).toContain('Snoozed by <@U0BOB> until');
  });

  it('names the maintenance behind the nodes', () => {
    const linked = alert({
      snapshot: snapshot({ maintenance: { id: 'MX-12', title: 'NIC firmware', nodesInScope: 24, stillCordoned: 24, validated: 20 } }),
    });
    const message = buildAlertMessage({ alert: linked, nextEscalation: LEVEL_ONE, snoozeChoices: CHOICES });
    expect(message.text).toBe('AL-12: 31 pods pending on gpu-east (team ml): 24 nodes of MX-12 still cordoned, validation passed on 20 of them');
    expect(allText(message)).toContain('MX-12 (NIC firmware)');
  });

  it('stays within limits for 5,000 pods and long names', () => {
    const longName = `trainer-${'x'.repeat(240)}`;
    const workloads = Array.from({ length: 10 }, (_, index) => ({ namespace: 'n'.repeat(63), kind: 'JobSet', name: `${longName}-${index}`, count: 100 }));
    const nodes = Array.from({ length: 30 }, (_, index) => `${'node-'.repeat(50)}${index}`);
    const big = snapshot({
      podCount: 5000,
      workloads,
      workloadCount: 4000,
      namespaces: Array.from({ length: 10 }, (_, index) => `${'ns'.repeat(30)}-${index}`),
      namespaceCount: 600,
      cause: { key: 'other', category: 'other', text: 'z'.repeat(5000) },
      blocking: {
        kind: 'tainted',
        summary: `3000 nodes carry taint ${'k'.repeat(300)}`,
        nodes,
        nodeCount: 3000,
        breakdown: Array.from({ length: 8 }, (_, index) => ({ label: `${'v'.repeat(200)}${index}`, count: 375 })),
      },
      maintenance: { id: 'MX-12', title: 't'.repeat(400), nodesInScope: 3000, stillCordoned: 3000, validated: 10 },
    });
    const message = buildAlertMessage({
      alert: alert({ snapshot: big, acknowledgedBy: 'U'.padEnd(20, 'A'), acknowledgedAt: '2026-03-02T11:00:00Z', state: 'acknowledged' }),
      nextEscalation: LEVEL_ONE,
      snoozeChoices: ['1h', '2h', '3h', '4h', '6h', '12h', '16h', '20h', '1d', '2d'],
    });
    expect(checkMessageLimits(message)).toEqual([]);
    expect(validateBlocks(message.blocks!, 'message')).toEqual([]);
    expect(blockTextLength(message.blocks!)).toBeLessThanOrEqual(LIMITS.messageTextBudget);
    expect(blocksOf(message).length).toBeLessThanOrEqual(LIMITS.blocksPerMessage);
    expect(allText(message)).toContain('5,000 pods');
    expect(allText(message)).toContain('and 3,990 more workloads with 4,000 pods');
    expect(message.text.length).toBeLessThanOrEqual(500);
  });

  it('explains a workload that never fits', () => {
    const text = 'requests 16 nvidia.com/gpu per pod but no node has more than 8';
    const neverFits = alert({
      snapshot: snapshot({
        cause: { key: 'never_fits:nvidia.com/gpu', category: 'never_fits', resource: 'nvidia.com/gpu', text },
        blocking: { kind: 'capacity', summary: 'the largest nodes have 8 nvidia.com/gpu (40 nodes)', nodes: [], nodeCount: 0, breakdown: [] },
      }),
    });
    const message = buildAlertMessage({ alert: neverFits, nextEscalation: LEVEL_ONE, snoozeChoices: CHOICES });
    const cause = blocksOf(message)[1]!.text!.text;
    expect(cause).toContain(`These pods never fit: their workload ${text}. Lower the request or add bigger nodes.`);
    expect(cause).toContain('The largest nodes have 8 nvidia.com/gpu (40 nodes).');
    expect(cause).toContain(`>_Requests:_ ${text}`);
    expect(blocksOf(message).some((block) => block.text?.text.startsWith('*Blocking nodes'))).toBe(false);
  });

  it('escapes mrkdwn control characters', () => {
    const tricky = alert({ snapshot: snapshot({ cause: { key: 'other', category: 'other', text: 'a <b> & c' } }) });
    const message = buildAlertMessage({ alert: tricky, nextEscalation: null, snoozeChoices: CHOICES });
    expect(allText(message)).toContain('a &lt;b&gt; &amp; c');
  });

  it('mentions the user group when escalating', () => {
    const escalated = alert({ state: 'escalated', escalationLevel: 1, escalatedBy: 'pitstop', escalatedAt: '2026-03-02T10:40:00Z' });
    const reply = buildEscalatedReply(escalated, LEVEL_ONE, 'Nobody acknowledged it within 30m.');
    expect(reply.text.startsWith('<!subteam^S0MLTRAIN> AL-12 escalated to level 1 by *pitstop*. Nobody acknowledged it within 30m.')).toBe(true);
    expect(reply.options).toEqual({ reply_broadcast: true });
  });
});

describe('action values', () => {
  it('round-trip through encode and decode', () => {
    expect(decodeActionValue(encodeActionValue(7))).toEqual({ alertId: 7, argument: null });
    expect(decodeActionValue(encodeActionValue(7, '4h'))).toEqual({ alertId: 7, argument: '4h' });
    expect(decodeActionValue('click_me_123')).toBeNull();
    expect(decodeActionValue(undefined)).toBeNull();
  });
});

describe('Block Kit limit checks', () => {
  it('report each kind of violation', () => {
    const problems = checkMessageLimits({
      text: '',
      blocks: [
        { type: 'header', text: { type: 'plain_text', text: 'h'.repeat(151) } },
        { type: 'section', text: { type: 'mrkdwn', text: 's'.repeat(3001) } },
        { type: 'section', fields: Array.from({ length: 11 }, () => ({ type: 'mrkdwn', text: 'f' })) },
        {
          type: 'actions',
          elements: [
            { type: 'button', action_id: 'a', text: { type: 'plain_text', text: 'b'.repeat(76) } },
            { type: 'button', action_id: 'a', text: { type: 'plain_text', text: 'ok' } },
          ],
        },
        ...Array.from({ length: 47 }, () => ({ type: 'section', text: { type: 'mrkdwn', text: 't'.repeat(200) } })),
      ],
    });
    expect(problems).toContain('text: the fallback text is empty');
    expect(problems).toContain('blocks: 51 blocks, more than 50');
    expect(problems.some((problem) => problem.startsWith('blocks[0] (header): text has 151 characters'))).toBe(true);
    expect(problems.some((problem) => problem.startsWith('blocks[1] (section): text has 3001 characters'))).toBe(true);
    expect(problems).toContain('blocks[2] (section): 11 fields, more than 10');
    expect(problems).toContain('blocks[3] (actions): duplicate action_id a');
    expect(problems.some((problem) => problem.startsWith('blocks[3] (actions).elements[0].text: text has 76'))).toBe(true);
    expect(problems.some((problem) => problem.startsWith('blocks: 12'))).toBe(true);
  });

  it('join long lists with a count of the rest', () => {
    const names = Array.from({ length: 100 }, (_, index) => `node-${index}`);
    expect(joinWithMore(names, { maxItems: 3, maxChars: 1000 })).toBe('node-0, node-1, node-2 and 97 more');
    const tight = joinWithMore(names, { maxItems: 100, maxChars: 40 });
    expect(tight.length).toBeLessThanOrEqual(40);
    expect(tight.endsWith('more')).toBe(true);
    expect(joinWithMore(['a', 'b'], { maxItems: 5, maxChars: 100 })).toBe('a, b');
    expect(joinWithMore(['line a', 'line b', 'line c'], { maxItems: 1, maxChars: 100, separator: '\n' })).toBe('line a\nand 2 more');
  });

  it('truncate and escape text', () => {
    expect(truncate('abcdef', 4)).toBe('abc…');
    expect(truncate('abc', 4)).toBe('abc');
    expect(escapeMrkdwn('<@U1> & co')).toBe('&lt;@U1&gt; &amp; co');
  });
});

describe('describeBreakdownEntry', () => {
  it.each([
    ['cordoned', 'NotReady', 2, '2 of them NotReady'],
    ['tainted', 'example.com/nic=upgrading:NoSchedule', 1, '1 of them with taint example.com/nic=upgrading:NoSchedule'],
    ['not_ready', 'False: KubeletNotReady', 3, '3 of them Ready=False (KubeletNotReady)'],
    ['not_ready', 'Unknown', 1, '1 of them Ready=Unknown'],
    ['not_ready', 'unreachable', 1, '1 of them unreachable'],
    ['pressure', 'DiskPressure', 1, '1 of them with DiskPressure'],
  ])('words a %s entry %s', (kind, label, count, expected) => {
    expect(describeBreakdownEntry(kind, { label, count })).toBe(expected);
  });
});
