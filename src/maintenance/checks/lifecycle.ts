import { parseDuration } from '../../config/schema.js';
import { check, formatDuration, formatTime, listText } from './format.js';
import { GPU_PRODUCT_LABEL } from './resources.js';
import type { CheckContext, ValidationCheck } from './types.js';

/**
 * Checks that the boot id changed, which proves the node rebooted. Runs only when the maintenance requires a reboot.
 */
export function checkBootId(ctx: CheckContext): ValidationCheck | null {
  const name = 'boot-id';
  if (!ctx.requiresReboot) return null;
  const before = ctx.before?.bootId ?? null;
  const now = ctx.node.bootId;
  if (before === null) {
    return check(
      name,
      'unknown',
      'The maintenance requires a reboot, but there is no boot id from before it to compare.',
      ['boot_id_unknown'],
    );
  }
  if (now === null)
    return check(name, 'unknown', 'The object does not show status.nodeInfo.bootID.', ['boot_id_unknown']);
  if (now === before) {
    return check(name, 'fail', `Boot id ${now} is the same as before the maintenance: the node has not rebooted.`, [
      'boot_id_unchanged',
    ]);
  }
  return check(name, 'pass', `Boot id changed from ${before} to ${now}: the node rebooted.`);
}

/**
 * Checks that the node stayed Ready for `validation.soak` since it came back. Nodes regain health briefly and fail
 * again, so a soak that has not elapsed is `unknown` (reason `soak_pending`): nothing failed, but the node is not
 * proven stable. The soak counts from the later of `returnedAt` and the last Ready transition, so a flap restarts
 * it.
 */
export function checkSoak(ctx: CheckContext): ValidationCheck | null {
  const name = 'soak';
  const soak = parseDuration(ctx.config.soak);
  if (soak === 0 || ctx.ready === null) return null;
  if (!ctx.readyTrue) return check(name, 'unknown', 'The soak starts once the node is Ready.', ['soak_pending']);
  if (ctx.upSince === null) {
    return check(
      name,
      'unknown',
      'Neither a return time nor the Ready transition time shows since when the node is up.',
      ['soak_unknown'],
    );
  }
  const stable = ctx.now - ctx.upSince;
  const since = formatTime(ctx.upSince);
  if (stable >= soak) {
    return check(name, 'pass', `Ready for ${formatDuration(stable)} since ${since}; the soak is ${ctx.config.soak}.`);
  }
  return check(
    name,
    'unknown',
    `Ready for ${formatDuration(stable)} since ${since}; the soak of ${ctx.config.soak} ends in ${formatDuration(soak - stable)}.`,
    ['soak_pending'],
  );
}

/**
 * Checks that the node came back as the same machine in the same place. A new provider id means the machine was
 * replaced, so the snapshot is not its baseline (`unknown`). A different GPU product fails. Changed topology labels
 * are noted: a host maintenance may move a VM to another host, which is not a fault.
 */
export function checkIdentity(ctx: CheckContext): ValidationCheck | null {
  const name = 'identity';
  const before = ctx.before;
  if (before === null) return null;
  const recorded = before.providerId !== null || before.gpuProduct !== null || Object.keys(before.topology).length > 0;
  if (!recorded) return null;
  const product = ctx.node.labels[GPU_PRODUCT_LABEL];
  if (before.gpuProduct !== null && product !== undefined && product !== before.gpuProduct) {
    return check(name, 'fail', `${GPU_PRODUCT_LABEL} is ${product}, was ${before.gpuProduct} before the maintenance.`, [
      'gpu_product_changed',
    ]);
  }
  const changed = Object.entries(before.topology)
    .filter(([key, value]) => ctx.node.labels[key] !== undefined && ctx.node.labels[key] !== value)
    .map(([key, value]) => `${key} ${value} to ${ctx.node.labels[key]}`);
  const moved = changed.length > 0 ? ` Topology changed: ${listText(changed)}.` : '';
  if (before.providerId !== null && ctx.node.providerId !== null && before.providerId !== ctx.node.providerId) {
    return check(
      name,
      'unknown',
      `Provider id changed from ${before.providerId} to ${ctx.node.providerId}: the machine was replaced, so the ` +
        `snapshot from before is not its baseline.${moved}`,
      ['node_replaced'],
    );
  }
  return check(name, 'pass', `Same provider id and GPU product as before the maintenance.${moved}`);
}
