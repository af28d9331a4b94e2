import { parseQuantity } from '../../k8s/views.js';
import { check, combine, formatDuration, listText, quantity, type Finding } from './format.js';
import {
  GPU_COUNT_LABEL,
  GPU_PRESENT_LABEL,
  GPU_RESOURCE,
  gpuCountLabel,
  isGpuResource,
  resourceNames,
  showsGpus,
} from './resources.js';
import type { CheckContext, ResourceAmount, ValidationCheck } from './types.js';

const REPLICAS_LABEL = 'nvidia.com/gpu.replicas';

/**
 * GPU allocatable is back: to the node's own pre-maintenance allocatable when a snapshot exists, else to the
 * `nvidia.com/gpu.count` label or capacity. Only the snapshot catches a GPU that fell off before GPU feature
 * discovery relabelled the node, or one that also left capacity.
 */
export function checkGpu(ctx: CheckContext): ValidationCheck | null {
  const name = 'gpu-allocatable';
  if (!showsGpus(ctx.node) && ctx.before?.gpuNode !== true) return null;
  if (ctx.node.allocatable === null) {
    const label = gpuCountLabel(ctx.node.labels);
    const expected = label === null ? '' : ` (the ${GPU_COUNT_LABEL} label says ${label})`;
    return check(name, 'unknown', `The object does not show status.allocatable${expected}.`, ['gpu_unknown']);
  }
  const baseline = Object.entries(ctx.before?.gpu ?? {}).filter(([, amount]) => (amount.allocatable ?? 0) > 0);
  const findings = baseline.length > 0 ? compareWithBaseline(ctx, baseline) : compareWithoutBaseline(ctx);
  return combine(name, findings, '');
}

/**
 * Reports a missing or zero GPU resource. While the node settles the finding is `unknown` with the reason prefixed
 * `settling:`, because the device plugin registers after the driver is up.
 */
function missing(ctx: CheckContext, reason: string, text: string): Finding {
  if (ctx.settling && ctx.upSince !== null) {
    const age = formatDuration(ctx.now - ctx.upSince);
    return {
      result: 'unknown',
      text: `${text}; the node came up ${age} ago, so the device plugin may still be registering`,
      reason: `settling:${reason}`,
    };
  }
  return { result: 'fail', text, reason };
}

/**
 * Reports a GPU amount that the object shows but that cannot be right: a value that is not a Kubernetes quantity,
 * which {@link quantity} reads as absent, or allocatable above capacity, which the kubelet never reports.
 */
function invalidAmount(ctx: CheckContext, resource: string): Finding | null {
  const { allocatable, capacity } = ctx.node;
  for (const [field, map] of [['allocatable', allocatable], ['capacity', capacity]] as const) {
    const text = map?.[resource];
    if (text !== undefined && Number.isNaN(parseQuantity(text))) {
      return { result: 'unknown', text: `${field} ${resource} is "${text}", which is not a quantity`, reason: 'gpu_quantity_invalid' };
    }
  }
  const now = quantity(allocatable, resource);
  const total = quantity(capacity, resource);
  if (now !== null && total !== null && now > total) {
    return {
      result: 'unknown',
      text: `${resource} allocatable ${now} exceeds capacity ${total}, so the object is inconsistent`,
      reason: 'gpu_quantity_invalid',
    };
  }
  return null;
}

function compareWithBaseline(ctx: CheckContext, baseline: [string, ResourceAmount][]): Finding[] {
  const findings: Finding[] = [];
  for (const [resource, amount] of baseline) {
    const was = amount.allocatable!;
    const now = quantity(ctx.node.allocatable, resource);
    const invalid = invalidAmount(ctx, resource);
    if (invalid !== null) {
      findings.push(invalid);
    } else if (now === null) {
      findings.push(
        missing(
          ctx,
          'gpu_resource_missing',
          `${resource} is missing from allocatable, was ${was} before the maintenance`,
        ),
      );
    } else if (now === 0) {
      findings.push(
        missing(ctx, 'gpu_allocatable_zero', `${resource} allocatable 0, was ${was} before the maintenance`),
      );
    } else if (now < was) {
      findings.push({
        result: 'fail',
        text: `${resource} allocatable ${now}, was ${was} before the maintenance`,
        reason: 'gpu_allocatable_short',
      });
    } else {
      findings.push({ result: 'pass', text: `${resource} allocatable ${now}, was ${was} before the maintenance` });
    }
  }
  const countNow = gpuCountLabel(ctx.node.labels);
  const countBefore = ctx.before?.gpuCount ?? null;
  if (countNow !== null && countBefore !== null && countNow < countBefore) {
    findings.push({
      result: 'fail',
      text: `label ${GPU_COUNT_LABEL}=${countNow}, was ${countBefore} before the maintenance`,
      reason: 'gpu_allocatable_short',
    });
  }
  return findings;
}

function compareWithoutBaseline(ctx: CheckContext): Finding[] {
  const { node } = ctx;
  const names = resourceNames(node, isGpuResource);
  const note: Finding = {
    result: 'pass',
    text:
      ctx.before === null
        ? 'no snapshot from before the maintenance to compare with'
        : 'the snapshot from before the maintenance has no GPU allocatable',
  };
  if (names.length === 0) {
    return [
      missing(
        ctx,
        'gpu_resource_missing',
        `no GPU resource (${GPU_RESOURCE}) in allocatable, although ${gpuEvidence(ctx)}`,
      ),
      note,
    ];
  }
  const others = names.filter((resource) => resource !== GPU_RESOURCE);
  const sharedElsewhere = others.filter((resource) => (quantity(node.allocatable, resource) ?? 0) > 0);
  const findings: Finding[] = [];
  if (names.includes(GPU_RESOURCE)) findings.push(primaryFinding(ctx, sharedElsewhere));
  for (const resource of others) findings.push(secondaryFinding(ctx, resource));
  return [...findings, note];
}

/** Judges `nvidia.com/gpu` against the count label (times time-slicing replicas) or capacity. */
function primaryFinding(ctx: CheckContext, sharedElsewhere: string[]): Finding {
  const { node } = ctx;
  const invalid = invalidAmount(ctx, GPU_RESOURCE);
  if (invalid !== null) return invalid;
  const allocatable = quantity(node.allocatable, GPU_RESOURCE);
  const capacity = quantity(node.capacity, GPU_RESOURCE);
  if (allocatable === null) {
    return missing(
      ctx,
      'gpu_resource_missing',
      `${GPU_RESOURCE} is in capacity (${capacity}) but missing from allocatable`,
    );
  }
  if (allocatable === 0 && sharedElsewhere.length > 0) {
    return { result: 'pass', text: `${GPU_RESOURCE} is 0 and the GPUs are advertised as ${listText(sharedElsewhere)}` };
  }
  const expected = expectedGpus(ctx, capacity);
  if (expected === null) {
    if (allocatable > 0) {
      return {
        result: 'unknown',
        text: `${GPU_RESOURCE} allocatable ${allocatable}, but neither capacity nor a ${GPU_COUNT_LABEL} label shows how many GPUs the node has`,
        reason: 'gpu_expected_unknown',
      };
    }
    return missing(ctx, 'gpu_allocatable_zero', `${GPU_RESOURCE} allocatable 0`);
  }
  const text = `${GPU_RESOURCE} allocatable ${allocatable} of ${expected.count} (${expected.source})`;
  if (allocatable === 0) return missing(ctx, 'gpu_allocatable_zero', text);
  if (allocatable < expected.count) return { result: 'fail', text, reason: 'gpu_allocatable_short' };
  return { result: 'pass', text };
}

function expectedGpus(ctx: CheckContext, capacity: number | null): { count: number; source: string } | null {
  const labels = ctx.node.labels;
  const label = gpuCountLabel(labels);
  const replicas = Number(labels[REPLICAS_LABEL] ?? '1');
  const capacityText = capacity === null ? '' : `, capacity ${capacity}`;
  if (label !== null && Number.isInteger(replicas) && replicas > 1) {
    return {
      count: label * replicas,
      source: `label ${GPU_COUNT_LABEL}=${label} times ${REPLICAS_LABEL}=${replicas}${capacityText}`,
    };
  }
  if (label !== null && (capacity === null || label >= capacity)) {
    return { count: label, source: `label ${GPU_COUNT_LABEL}=${label}${capacityText}` };
  }
  if (capacity !== null) return { count: capacity, source: `capacity ${capacity}` };
  return null;
}

/** Judges a shared or MIG GPU resource against its own capacity. */
function secondaryFinding(ctx: CheckContext, resource: string): Finding {
  const invalid = invalidAmount(ctx, resource);
  if (invalid !== null) return invalid;
  const allocatable = quantity(ctx.node.allocatable, resource);
  const capacity = quantity(ctx.node.capacity, resource);
  if (allocatable === null)
    return missing(
      ctx,
      'gpu_resource_missing',
      `${resource} is in capacity (${capacity}) but missing from allocatable`,
    );
  const ofCapacity = capacity === null ? '' : ` of capacity ${capacity}`;
  const text = `${resource} allocatable ${allocatable}${ofCapacity}`;
  if (capacity !== null && allocatable === 0 && capacity > 0) return missing(ctx, 'gpu_allocatable_zero', text);
  if (capacity !== null && allocatable < capacity) return { result: 'fail', text, reason: 'gpu_allocatable_short' };
  return { result: 'pass', text };
}

function gpuEvidence(ctx: CheckContext): string {
  const labels = ctx.node.labels;
  if (labels[GPU_COUNT_LABEL] !== undefined) return `the ${GPU_COUNT_LABEL} label says ${labels[GPU_COUNT_LABEL]}`;
  if (labels[GPU_PRESENT_LABEL] === 'true') return `the node is labelled ${GPU_PRESENT_LABEL}=true`;
  if (ctx.before?.gpuNode) return 'the node had GPUs before the maintenance';
  return 'GPU operator labels are on the node';
}
