import type { QuotaUsage, SchedulingReason } from './scheduler-message.js';
import { splitTopLevel, trimJoiners } from './scheduler-text.js';
import { parseQuantity } from './views.js';

/** Strips the `requests.`/`limits.` prefix of a quota entry: `requests.nvidia.com/gpu` limits `nvidia.com/gpu`. */
export function quotaResource(name: string): string {
  return name.replace(/^(?:requests|limits)\./, '');
}

/** Parses "limits.cpu=384m,limits.memory=512Mi" as ResourceQuota admission prints quantities. */
function parseQuantities(text: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (!text) return out;
  for (const pair of text.split(',')) {
    const equals = pair.indexOf('=');
    if (equals > 0) out[pair.slice(0, equals).trim()] = pair.slice(equals + 1).trim();
  }
  return out;
}

function exceededResources(usage: Omit<QuotaUsage, 'exceeded'>): string[] {
  return Object.keys(usage.requested).filter((name) => {
    const limit = parseQuantity(usage.limited[name]);
    const total = parseQuantity(usage.used[name]) + parseQuantity(usage.requested[name]);
    return usage.limited[name] !== undefined && total > limit;
  });
}

const EXCEEDED = /^exceeded quota:\s*([^,]+?)(?:,\s*requested:\s*([\s\S]*?),\s*used:\s*([\s\S]*?),\s*limited:\s*([\s\S]*))?$/i;
const MUST_SPECIFY = /^failed quota:\s*([^:]+):\s*must specify\s+([\s\S]*)$/i;
const STATUS_UNKNOWN = /^status unknown for quota:\s*([^,]+?)(?:,\s*resources?:\s*([\s\S]*))?$/i;

function readOneQuotaError(text: string): SchedulingReason {
  const base: SchedulingReason = { category: 'quota', nodes: null, text };
  const withResource = (resource: string, quota?: QuotaUsage): SchedulingReason =>
    quota ? { category: 'quota', nodes: null, resource, text, quota } : { category: 'quota', nodes: null, resource, text };
  const exceeded = EXCEEDED.exec(text);
  if (exceeded) {
    const partial = {
      name: exceeded[1]!.trim(),
      requested: parseQuantities(exceeded[2]),
      used: parseQuantities(exceeded[3]),
      limited: parseQuantities(exceeded[4]),
    };
    const quota: QuotaUsage = { ...partial, exceeded: exceededResources(partial) };
    const resource = quota.exceeded[0] ?? Object.keys(quota.requested)[0];
    return resource === undefined ? { ...base, quota } : withResource(quotaResource(resource), quota);
  }
  const listed = MUST_SPECIFY.exec(text)?.[2] ?? STATUS_UNKNOWN.exec(text)?.[2];
  // Newer releases name the containers that lack a value: "must specify limits.cpu for: main; limits.memory for: main".
  const first = listed?.split(/[,;]/)[0]?.replace(/\s+for:[\s\S]*$/, '').trim();
  return first ? withResource(quotaResource(first)) : base;
}

/**
 * Reads a ResourceQuota admission error: "exceeded quota: Q, requested: r=v, used: r=v, limited: r=v",
 * "failed quota: Q: must specify r1,r2" (or "r1 for: c; r2 for: c") or "status unknown for quota: Q".
 * The reason's resource is the first one over its limit, else the first one named.
 */
export function readQuotaError(text: string): SchedulingReason[] {
  return splitTopLevel(text, /;\s+(?=exceeded quota|failed quota|status unknown for quota)/gi).map((piece) => readOneQuotaError(trimJoiners(piece)));
}
