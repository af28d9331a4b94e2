/**
 * Config rules that read several fields: duplicate cluster names, namespaces owned twice, undeclared teams
 * and clusters, and maintenance windows that end before they start.
 *
 * The rules take the raw input rather than the parsed config. Zod skips an object's refinements while any
 * of its fields is invalid, so {@link configRuleIssues} runs again over the raw input in that case, and each
 * rule reads only the fields it can trust: a field of the wrong type is skipped, because the schema already
 * reports it.
 */

import { z } from 'zod';

/** A problem found by a rule: the field's path and a message that names the value. */
export interface RuleIssue {
  path: (string | number)[];
  message: string;
}

type Entry = Record<string, unknown>;

function isEntry(value: unknown): value is Entry {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** Returns the entries of an array field with their indexes, skipping entries that are not objects. */
function entriesOf(value: unknown): [number, Entry][] {
  if (!Array.isArray(value)) return [];
  return value.flatMap((entry, index): [number, Entry][] => (isEntry(entry) ? [[index, entry]] : []));
}

function stringOf(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

const dateTimeSchema = z.iso.datetime({ offset: true });

/** Returns the epoch milliseconds of a date-time that the schema accepts, or undefined for any other value. */
function instantOf(value: unknown): number | undefined {
  return dateTimeSchema.safeParse(value).success ? Date.parse(value as string) : undefined;
}

function clusterRules(input: Entry, issues: RuleIssue[]): Set<string> {
  const names = new Set<string>();
  for (const [index, cluster] of entriesOf(input.clusters)) {
    const name = stringOf(cluster.name);
    if (name === undefined) continue;
    if (names.has(name)) issues.push({ path: ['clusters', index, 'name'], message: `duplicate cluster "${name}"` });
    names.add(name);
  }
  return names;
}

function teamRules(input: Entry, issues: RuleIssue[]): void {
  const owners = new Map<string, string>();
  const teamNames = new Set<string>();
  for (const [teamIndex, team] of entriesOf(input.teams)) {
    const teamName = stringOf(team.name);
    if (teamName !== undefined) teamNames.add(teamName);
    if (!Array.isArray(team.namespaces)) continue;
    team.namespaces.forEach((value: unknown, nsIndex: number) => {
      const namespace = stringOf(value);
      if (namespace === undefined) return;
      const owner = owners.get(namespace);
      if (owner !== undefined) {
        issues.push({
          path: ['teams', teamIndex, 'namespaces', nsIndex],
          message: `namespace "${namespace}" is already owned by team "${owner}"`,
        });
      }
      owners.set(namespace, teamName ?? `#${teamIndex}`);
    });
  }
  // A teams field of the wrong type is reported by the schema, and any team name could be in it.
  if (input.teams !== undefined && !Array.isArray(input.teams)) return;
  const defaultTeam = isEntry(input.alerting) ? stringOf(input.alerting.defaultTeam) : undefined;
  if (defaultTeam !== undefined && !teamNames.has(defaultTeam)) {
    issues.push({ path: ['alerting', 'defaultTeam'], message: `team "${defaultTeam}" is not declared under teams` });
  }
}

function maintenanceRules(input: Entry, clusterNames: Set<string>, issues: RuleIssue[]): void {
  const maintenances = isEntry(input.maintenance) ? input.maintenance.maintenances : undefined;
  // Cluster names are only known when the clusters field is a list.
  const clustersKnown = Array.isArray(input.clusters);
  for (const [index, maintenance] of entriesOf(maintenances)) {
    const path = ['maintenance', 'maintenances', index];
    for (const [clusterIndex, entry] of entriesOf(maintenance.clusters)) {
      const cluster = stringOf(entry.cluster);
      if (clustersKnown && cluster !== undefined && !clusterNames.has(cluster)) {
        issues.push({
          path: [...path, 'clusters', clusterIndex, 'cluster'],
          message: `cluster "${cluster}" is not declared under clusters`,
        });
      }
    }
    const start = instantOf(maintenance.start);
    const end = instantOf(maintenance.end);
    if (start !== undefined && end !== undefined && end <= start) {
      issues.push({
        path: [...path, 'end'],
        message: `end ${String(maintenance.end)} must be after start ${String(maintenance.start)}`,
      });
    }
  }
}

/** Applies every cross-field rule to a config, parsed or raw, and returns the problems found. */
export function configRuleIssues(input: unknown): RuleIssue[] {
  if (!isEntry(input)) return [];
  const issues: RuleIssue[] = [];
  const clusterNames = clusterRules(input, issues);
  teamRules(input, issues);
  maintenanceRules(input, clusterNames, issues);
  return issues;
}
