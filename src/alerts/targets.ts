import type { PitstopConfig } from '../config/schema.js';

/** Mention target of an escalation level. */
export interface EscalationTarget {
  level: number;
  /** Slack user group id (`S…`). */
  userGroup: string;
  /** Config field the group id comes from, for messages such as "team ml-train's escalateTo group". */
  description: string;
}

/**
 * Lists the escalation levels a team has: level 1 mentions `teams[].userGroup`, level 2 `teams[].escalateTo`
 * when set. A team that is not declared (such as `unowned`) has none.
 */
export function escalationTargets(config: PitstopConfig, teamName: string): EscalationTarget[] {
  const team = config.teams.find((candidate) => candidate.name === teamName);
  if (!team) return [];
  const targets: EscalationTarget[] = [{ level: 1, userGroup: team.userGroup, description: `team ${team.name}'s user group` }];
  if (team.escalateTo !== undefined) {
    targets.push({ level: 2, userGroup: team.escalateTo, description: `team ${team.name}'s escalateTo group` });
  }
  return targets;
}

/** Returns the target of the level after `currentLevel`, or `null` when the team has no further level. */
export function nextEscalation(config: PitstopConfig, teamName: string, currentLevel: number): EscalationTarget | null {
  return escalationTargets(config, teamName).find((target) => target.level === currentLevel + 1) ?? null;
}

/** Explains why an alert cannot escalate further, naming the config field that would allow it. */
export function noEscalationReason(config: PitstopConfig, teamName: string, currentLevel: number): string {
  if (!config.teams.some((team) => team.name === teamName)) {
    return `team ${teamName} is not declared under teams, so there is nobody to escalate to: add its namespaces to a team or set alerting.defaultTeam`;
  }
  if (currentLevel >= 2) return 'it is already escalated to the last level (2)';
  return `team ${teamName} has no escalateTo group, so level ${currentLevel + 1} has nobody to mention: set teams[].escalateTo`;
}
