import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../src/cli.js';
import { ConfigError, parseConfig } from '../src/config/load.js';
import { parseDuration } from '../src/config/schema.js';

let dir: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'pitstop-config-validation-'));
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

function problemsOf(text: string): string[] {
  try {
    parseConfig(text, 'test.yaml');
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error('the config was accepted');
}

const CLUSTERS = `
clusters:
  - { name: gpu-east, vendor: aws, context: east, channel: C0EAST }
`;

function withScope(scope: string): string {
  return `${CLUSTERS}maintenance:
  maintenances:
    - id: MX-1
      title: reboot
      kind: reimage
      vendor: aws
      owner: S0AAA
      clusters: [{ cluster: gpu-east, scope: ${scope} }]
      start: 2025-06-10T10:00:00Z
      end: 2025-06-10T12:00:00Z
`;
}

const SCOPE_PATH = 'maintenance.maintenances[0].clusters[0].scope';

describe('maintenance scope validation', () => {
  it('rejects a scope that selects nothing', () => {
    expect(problemsOf(withScope('{}'))).toEqual([
      `${SCOPE_PATH}: scope selects nothing: set all: true, labelSelector, gpuProducts, racks or nodes`,
    ]);
  });

  it('rejects all together with racks', () => {
    expect(problemsOf(withScope('{ all: true, racks: [r1] }'))).toEqual([
      `${SCOPE_PATH}: scope sets all: true together with racks: keep one of them`,
    ]);
  });

  it('rejects an invalid label selector', () => {
    expect(problemsOf(withScope('{ labelSelector: "a in (b" }'))).toEqual([
      `${SCOPE_PATH}.labelSelector: invalid label selector "a in (b": missing ')'`,
    ]);
  });

  it('rejects an empty rack list', () => {
    expect(problemsOf(withScope('{ racks: [] }'))).toEqual([
      `${SCOPE_PATH}: scope racks is an empty list: name at least one, or leave racks out`,
    ]);
  });

  it('accepts valid scopes and the default', () => {
    expect(() => parseConfig(withScope('{ labelSelector: "pool in (a,b)", racks: [r1] }'))).not.toThrow();
    expect(() => parseConfig(withScope('{ all: true }'))).not.toThrow();
  });

  it('check-config reports an invalid scope', async () => {
    const file = join(dir, 'scope.yaml');
    writeFileSync(file, withScope('{}'));
    let stderr = '';
    const code = await main(['check-config', file], {
      stdin: process.stdin,
      stdout: { write: () => true },
      stderr: { write: (text: string) => (stderr += text) },
      env: {},
    });
    expect(code).toBe(1);
    expect(stderr).toContain(`${SCOPE_PATH}: scope selects nothing`);
  });
});

describe('field messages', () => {
  it('roles name the expected Slack ids', () => {
    const [problem] = problemsOf(`${CLUSTERS}roles:\n  maintainers: [fleet-ops]\n`);
    expect(problem).toContain('roles.maintainers[0]: expected a Slack user id (U… or W…');
    expect(problem).toContain('user group id (S…');
    expect(problem).toContain('(got "fleet-ops")');
  });

  it('roles accept user and group ids', () => {
    const config = parseConfig(`${CLUSTERS}roles:\n  maintainers: [U0AAA, W0BBB, S0CCC]\n`);
    expect(config.roles.maintainers).toEqual(['U0AAA', 'W0BBB', 'S0CCC']);
  });

  it('enum fields list their options', () => {
    const problems = problemsOf(`${CLUSTERS}validation:\n  custom:\n    - { type: bogus, name: x }\n`);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^validation\.custom\[0\]\.type: .*'label' \| 'condition' \| 'allocatable'/);
  });

  it('rejects more than 10 snooze choices', () => {
    const choices = Array.from({ length: 11 }, (_, index) => `${index + 1}h`).join(', ');
    const [problem] = problemsOf(`${CLUSTERS}alerting:\n  snoozeChoices: [${choices}]\n`);
    expect(problem).toMatch(/^alerting\.snoozeChoices: at most 10 snooze choices/);
  });
});

describe('cross-field rules with field errors', () => {
  it('reports both kinds in one run', () => {
    const text = `
clusters:
  - { name: gpu-east, vendor: aws, context: east, channel: "#east" }
  - { name: gpu-east, vendor: aws, context: west, channel: C0WEST }
alerting: { defaultTeam: nobody, pendingAfter: soon }
maintenance:
  maintenances:
    - id: MX-1
      title: reboot
      kind: reimage
      vendor: aws
      owner: S0AAA
      clusters: [{ cluster: gpu-north, scope: {} }]
      start: 2025-06-10T10:00:00Z
      end: 2025-06-10T09:00:00Z
`;
    const problems = problemsOf(text);
    expect(problems).toContain('clusters[0].channel: expected a Slack channel id such as C0123ABCD (not a #name) (got "#east")');
    expect(problems.filter((line) => line.startsWith('alerting.pendingAfter:'))).toHaveLength(1);
    expect(problems).toContain('clusters[1].name: duplicate cluster "gpu-east" (got "gpu-east")');
    expect(problems).toContain('alerting.defaultTeam: team "nobody" is not declared under teams (got "nobody")');
    expect(problems).toContain(
      'maintenance.maintenances[0].clusters[0].cluster: cluster "gpu-north" is not declared under clusters (got "gpu-north")',
    );
    expect(problems.some((line) => line.startsWith('maintenance.maintenances[0].end: end 2025-06-10T09:00:00Z'))).toBe(true);
    expect(problems).toContain(`${SCOPE_PATH}: scope selects nothing: set all: true, labelSelector, gpuProducts, racks or nodes`);
    expect(new Set(problems).size).toBe(problems.length);
  });

  it('skips rules whose fields are invalid', () => {
    const text = `${CLUSTERS}maintenance:
  maintenances:
    - { id: MX-1, title: t, kind: reimage, vendor: aws, owner: S0A, clusters: [{ cluster: gpu-east }], start: tomorrow, end: 2025-06-10T09:00:00Z }
`;
    const problems = problemsOf(text);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^maintenance\.maintenances\[0\]\.start: /);
  });
});

describe('parseDuration', () => {
  it('accepts units in any case', () => {
    expect(parseDuration('4H')).toBe(14_400_000);
    expect(parseDuration('10M')).toBe(600_000);
    expect(parseDuration('250MS')).toBe(250);
  });

  it('accepts decimals', () => {
    expect(parseDuration('1.5h')).toBe(5_400_000);
    expect(parseDuration('0.5s')).toBe(500);
  });

  it('sets no upper bound itself', () => {
    expect(parseDuration('400d')).toBe(400 * 86_400_000);
  });

  it('config accepts a year', () => {
    expect(parseConfig(`${CLUSTERS}alerting:\n  escalateAfter: 365d\n`).alerting.escalateAfter).toBe('365d');
  });

  it('config rejects an absurd duration', () => {
    const [problem] = problemsOf(`${CLUSTERS}alerting:\n  escalateAfter: 366d\n`);
    expect(problem).toMatch(/^alerting\.escalateAfter: duration "366d" is longer than the maximum of 365d/);
    const [huge] = problemsOf(`${CLUSTERS}alerting:\n  escalateAfter: 99999999999999999999w\n`);
    expect(huge).toMatch(/^alerting\.escalateAfter: duration "99999999999999999999w" is longer than the maximum/);
  });
});
