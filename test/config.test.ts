import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../src/cli.js';
import { ConfigError, configJsonSchema, loadConfig, parseConfig, readSecrets } from '../src/config/load.js';
import { parseDuration } from '../src/config/schema.js';
import { loadScenario } from '../src/replay/scenario.js';

const ROOT = join(import.meta.dirname, '..');
const EXAMPLE = join(ROOT, 'examples', 'pitstop.yaml');

let dir: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'pitstop-config-test-'));
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** Runs the CLI in-process and returns its exit code and output. */
async function cli(argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await main(argv, {
    stdin: process.stdin,
    stdout: { write: (text: string) => (stdout += text) },
    stderr: { write: (text: string) => (stderr += text) },
    env: {},
  });
  return { code, stdout, stderr };
}

function problemsOf(text: string): string[] {
  try {
    parseConfig(text, 'test.yaml');
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error('the config was accepted');
}

const MINIMAL = `
clusters:
  - name: gpu-east
    vendor: aws
    context: east
    channel: C0EAST
`;

describe('config', () => {
  it('accepts the example config', () => {
    const config = loadConfig(EXAMPLE);
    expect(config.clusters.map((cluster) => cluster.name)).toEqual(['aws-use1-h100', 'oci-ord-a100']);
    expect(config.maintenance.maintenances[0]!.id).toBe('MX-12');
    expect(config.alerting.defaultTeam).toBe('fleet-ops');
  });

  it('check-config accepts the example', async () => {
    const result = await cli(['check-config', EXAMPLE]);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('valid (2 clusters, 4 teams, 1 maintenance)');
  });

  it('accepts the config embedded in the shipped scenario', () => {
    const scenario = loadScenario(join(ROOT, 'scenarios', 'nic-firmware-maintenance.yaml'));
    expect(scenario.config.teams.length).toBe(5);
  });

  it('fills the documented defaults', () => {
    const config = parseConfig(MINIMAL);
    expect(config.alerting).toEqual({ pendingAfter: '10m', escalateAfter: '30m', snoozeChoices: ['1h', '4h', '1d'] });
    expect(config.maintenance).toEqual({ announceBefore: ['24h', '1h'], allowClusterWrites: false, maintenances: [] });
    expect(config.validation.soak).toBe('10m');
    expect(config.validation.gpuOperatorNamespace).toBe('gpu-operator');
    expect(config.store.path).toBe('pitstop.db');
    expect(config.slack).toEqual({ apiUrl: 'https://slack.com/api/', port: 3000 });
    expect(config.clusters[0]!.inCluster).toBe(false);
  });

  it('names the path and value of an invalid field', () => {
    expect(problemsOf(MINIMAL.replace('C0EAST', '"#gpu-east"'))).toEqual([
      'clusters[0].channel: expected a Slack channel id such as C0123ABCD (not a #name) (got "#gpu-east")',
    ]);
  });

  it('names an unknown field', () => {
    const [problem] = problemsOf(`${MINIMAL}    region: us-east-1\n`);
    expect(problem).toMatch(/^clusters\[0\]: .*region/);
  });

  it('requires a context or inCluster', () => {
    expect(problemsOf(MINIMAL.replace('    context: east\n', ''))).toEqual([
      'clusters[0].context: set either context (a kubeconfig context name) or inCluster: true',
    ]);
  });

  it('rejects cross-field mistakes with their paths', () => {
    const text = `
clusters:
  - { name: gpu-east, vendor: aws, context: east, channel: C0EAST }
  - { name: gpu-east, vendor: oci, context: west, channel: C0WEST }
teams:
  - { name: a, userGroup: S0AAA, namespaces: [train] }
  - { name: b, userGroup: S0BBB, namespaces: [train] }
alerting: { defaultTeam: c }
maintenance:
  maintenances:
    - id: MX-1
      title: reboot
      kind: reimage
      vendor: aws
      owner: S0AAA
      clusters: [{ cluster: gpu-north }]
      start: 2025-06-10T10:00:00Z
      end: 2025-06-10T09:00:00Z
`;
    expect(problemsOf(text)).toEqual([
      'clusters[1].name: duplicate cluster "gpu-east" (got "gpu-east")',
      'teams[1].namespaces[0]: namespace "train" is already owned by team "a" (got "train")',
      'alerting.defaultTeam: team "c" is not declared under teams (got "c")',
      'maintenance.maintenances[0].clusters[0].cluster: cluster "gpu-north" is not declared under clusters (got "gpu-north")',
      'maintenance.maintenances[0].end: end 2025-06-10T09:00:00Z must be after start 2025-06-10T10:00:00Z (got "2025-06-10T09:00:00Z")',
    ]);
  });

  it('rejects a malformed duration', () => {
    const [problem] = problemsOf(`${MINIMAL}alerting:\n  pendingAfter: ten minutes\n`);
    expect(problem).toBe('alerting.pendingAfter: expected a duration such as 90s, 10m, 1h30m or 2d (got "ten minutes")');
  });

  it('reports YAML syntax errors', () => {
    expect(problemsOf('clusters: [unclosed')[0]).toMatch(/^YAML syntax: /);
  });

  it('check-config prints the problems and exits 1', async () => {
    const file = join(dir, 'bad.yaml');
    writeFileSync(file, MINIMAL.replace('vendor: aws', 'vendor: ibm'));
    const result = await cli(['check-config', file]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`invalid config ${file}:`);
    expect(result.stderr).toContain('clusters[0].vendor:');
    expect(result.stderr).toContain('(got "ibm")');
  });

  it('names a config file that cannot be read', () => {
    expect(() => loadConfig(join(dir, 'absent.yaml'))).toThrow(/cannot read file/);
  });

  it('exports the JSON Schema', async () => {
    const schema = configJsonSchema() as { type: string; properties: Record<string, unknown>; required: string[] };
    expect(schema.type).toBe('object');
    expect(Object.keys(schema.properties)).toEqual(
      expect.arrayContaining(['clusters', 'teams', 'alerting', 'maintenance', 'validation', 'roles', 'store', 'slack', 'notices']),
    );
    expect(schema.required).toEqual(['clusters']);
    const out = join(dir, 'schema.json');
    const result = await cli(['check-config', '--json-schema', out]);
    expect(result.code).toBe(0);
    expect(JSON.parse(readFileSync(out, 'utf8'))).toEqual(schema);
  });

  it('parses durations', () => {
    expect(parseDuration('90s')).toBe(90_000);
    expect(parseDuration('1h30m')).toBe(5_400_000);
    expect(parseDuration('2d')).toBe(172_800_000);
    expect(() => parseDuration('1h30')).toThrow('invalid duration "1h30"');
  });

  it('reads secrets and names the missing variable', () => {
    expect(() => readSecrets({})).toThrow(/SLACK_BOT_TOKEN is not set/);
    expect(() => readSecrets({ SLACK_BOT_TOKEN: 'xoxb-1' })).toThrow(/SLACK_APP_TOKEN nor SLACK_SIGNING_SECRET/);
    expect(readSecrets({ SLACK_BOT_TOKEN: 'xoxb-1', SLACK_SIGNING_SECRET: 's', LINEAR_API_KEY: 'lin' })).toEqual({
      slackBotToken: 'xoxb-1',
      slackSigningSecret: 's',
      linearApiKey: 'lin',
    });
  });
});
