import { check, formatTime, toMillis } from './format.js';
import type { CheckContext, ValidationCheck } from './types.js';

/**
 * Ready=True, reported after the maintenance started. A Ready=True whose last heartbeat predates the start is the
 * state from before the node went down, so it is `unknown` rather than a pass.
 */
export function checkReady(ctx: CheckContext): ValidationCheck {
  const name = 'ready';
  const { node, ready } = ctx;
  if (node.conditions === null)
    return check(name, 'unknown', 'The object does not show status.conditions.', ['ready_unknown']);
  if (ready === null) {
    if (ctx.excerpt) return check(name, 'unknown', 'The excerpt does not show the Ready condition.', ['ready_unknown']);
    return check(name, 'fail', 'The node has no Ready condition: the kubelet has not reported status.', ['not_ready']);
  }
  const since = ready.lastTransitionTime ? ` since ${ready.lastTransitionTime}` : '';
  if (ready.status !== 'True') {
    const detail = [ready.reason, ready.message].filter((part) => part).join(': ');
    return check(name, 'fail', `Ready=${ready.status}${since}${detail ? ` (${detail})` : ''}.`, ['not_ready']);
  }
  const heartbeat = toMillis(ready.lastHeartbeatTime);
  const heartbeatText = ready.lastHeartbeatTime ? `, last heartbeat ${ready.lastHeartbeatTime}` : '';
  if (ctx.maintenanceStartedAt !== null) {
    const started = formatTime(ctx.maintenanceStartedAt);
    if (heartbeat === null) {
      return check(
        name,
        'unknown',
        `Ready=True${since}, but the condition shows no heartbeat to prove it was reported after the maintenance ` +
          `started at ${started}.`,
        ['ready_stale'],
      );
    }
    if (heartbeat <= ctx.maintenanceStartedAt) {
      return check(
        name,
        'unknown',
        `Ready=True${since}${heartbeatText}, which is before the maintenance started at ${started}: the kubelet ` +
          'has not reported since.',
        ['ready_stale'],
      );
    }
    return check(name, 'pass', `Ready=True${since}${heartbeatText}, after the maintenance started at ${started}.`);
  }
  return check(name, 'pass', `Ready=True${since}${heartbeatText}.`);
}
