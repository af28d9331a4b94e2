import { describe, expect, it } from 'vitest';
import { formatSummary, type ReplaySummary } from '../src/replay/report.js';

function summary(overrides: Partial<ReplaySummary> = {}): ReplaySummary {
  return {
    scenario: 'one-node',
    steps: 1,
    scenarioMs: 60_000,
    wallMs: 1200,
    posted: 1,
    updated: 1,
    coalesced: 0,
    ephemeral: 0,
    retried: 0,
    dead: 0,
    shownAsText: 0,
    calls: {},
    failedExpectations: 1,
    ruleErrors: {},
    ...overrides,
  };
}

describe('formatSummary', () => {
  it('counts one of each in the singular', () => {
    const text = formatSummary(summary());
    expect(text).toContain('Replayed one-node: 1 step over');
    expect(text).toContain('Slack: 1 message posted, 1 update (0 coalesced)');
    expect(text).toContain('1 expectation failed.');
  });

  it('counts several in the plural', () => {
    const text = formatSummary(summary({ steps: 3, posted: 2, updated: 5, failedExpectations: 2 }));
    expect(text).toContain('3 steps over');
    expect(text).toContain('2 messages posted, 5 updates');
    expect(text).toContain('2 expectations failed.');
  });

  it('names messages shown as text', () => {
    const text = formatSummary(summary({ shownAsText: 2 }));
    expect(text).toContain('Slack rejected the layout of 2 messages, shown as text instead');
  });

  it('omits that line when none was', () => {
    expect(formatSummary(summary())).not.toContain('shown as text');
  });
});
