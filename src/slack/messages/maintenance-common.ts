import { mentionActor, mentionUserGroup } from './common.js';

/**
 * Action ids of the maintenance messages' interactive elements; the handlers register exactly these. Values
 * are `MX-<n>` or `MX-<n>:<argument>` (target level for Escalate, duration for Snooze).
 */
export const MAINTENANCE_ACTION_IDS = {
  acknowledge: 'maintenance_acknowledge',
  escalate: 'maintenance_escalate',
  snooze: 'maintenance_snooze',
  uncordon: 'maintenance_uncordon',
} as const;

/** Callback ids of the maintenance modals. */
export const MAINTENANCE_VIEW_IDS = {
  create: 'maintenance_create_modal',
  uncordon: 'maintenance_uncordon_modal',
} as const;

export function encodeMaintenanceValue(id: string, argument?: string): string {
  return argument === undefined ? id : `${id}:${argument}`;
}

/** Reads a value written by {@link encodeMaintenanceValue}; returns null when it is not one. */
export function decodeMaintenanceValue(value: string | undefined): { id: string; argument: string | null } | null {
  const match = /^(MX-\d{1,12})(?::(.{1,40}))?$/.exec(value ?? '');
  if (!match) return null;
  return { id: match[1]!, argument: match[2] ?? null };
}

/** Formats a duration in milliseconds with its two largest units: `45s`, `12m`, `3h 12m`, `2d 4h`. */
export function formatDuration(milliseconds: number): string {
  const seconds = Math.max(0, Math.round(milliseconds / 1000));
  if (seconds < 60) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes}m`;
  const hours = Math.floor(minutes / 60);
  if (hours < 24) return minutes % 60 === 0 ? `${hours}h` : `${hours}h ${minutes % 60}m`;
  const days = Math.floor(hours / 24);
  return hours % 24 === 0 ? `${days}d` : `${days}d ${hours % 24}h`;
}

export { plural } from './common.js';

/** Names the owner: a Slack user or group id becomes a mention, anything else is shown as written. */
export function ownerText(owner: string): string {
  if (/^S[A-Z0-9]{2,}$/.test(owner)) return mentionUserGroup(owner);
  return mentionActor(owner);
}

/**
 * Formats a time with Slack's `{ago}` date token ("3 hours ago"), which each client renders at read time, so a
 * message that shows it does not change as time passes. The ISO time is the fallback. The token is listed with
 * the other date tokens in @slack/types 2.22 (the rich-text date element).
 */
export function slackAgo(iso: string): string {
  const seconds = Math.floor(Date.parse(iso) / 1000);
  if (!Number.isFinite(seconds)) return iso;
  return `<!date^${seconds}^{ago}|${new Date(seconds * 1000).toISOString().replace('.000Z', 'Z')}>`;
}
