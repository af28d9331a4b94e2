import type { ReasonCategory, SchedulingReason } from './scheduler-message.js';

/** Meaning of one reason text, without its count and raw text. */
export type ReasonMeaning = Omit<SchedulingReason, 'nodes' | 'text'>;

/** The component whose list a reason came from: it decides what an unknown reason means. */
export type ReasonSource = 'scheduler' | 'autoscaler' | 'kueue' | 'quota' | 'volcano';

/**
 * Predicate names (kube-scheduler 1.3 to 1.17), scheduler framework plugin names (1.18 and later),
 * and the Volcano and scheduler-plugins names that messages print alone, in lower case.
 */
const NAMED_CHECKS: Record<string, ReasonCategory> = {
  podfitsresources: 'insufficient_resource',
  noderesourcesfit: 'insufficient_resource',
  dynamicresources: 'insufficient_resource',
  podexceedsmaxpodnumber: 'too_many_pods',
  podexceedsfreecpu: 'insufficient_resource',
  podexceedsfreememory: 'insufficient_resource',
  podfitshostports: 'ports',
  podfitsports: 'ports',
  nodeports: 'ports',
  matchnodeselector: 'node_affinity',
  nodeaffinity: 'node_affinity',
  hostname: 'node_affinity',
  podfitshost: 'node_affinity',
  nodename: 'node_affinity',
  checknodelabelpresence: 'node_affinity',
  nodelabel: 'node_affinity',
  podtoleratesnodetaints: 'untolerated_taint',
  podtoleratesnodenoexecutetaints: 'untolerated_taint',
  tainttoleration: 'untolerated_taint',
  checknodeunschedulable: 'unschedulable',
  nodeunschedulable: 'unschedulable',
  nodeunderdiskpressure: 'node_pressure',
  checknodediskpressure: 'node_pressure',
  nodeundermemorypressure: 'node_pressure',
  checknodememorypressure: 'node_pressure',
  nodeunderpidpressure: 'node_pressure',
  checknodepidpressure: 'node_pressure',
  nodeoutofdisk: 'node_pressure',
  nodenotready: 'node_not_ready',
  nodenetworkunavailable: 'node_not_ready',
  checknodecondition: 'node_not_ready',
  nodeunknowncondition: 'node_not_ready',
  matchinterpodaffinity: 'pod_affinity',
  interpodaffinity: 'pod_affinity',
  podaffinityrulesnotmatch: 'pod_affinity',
  existingpodsantiaffinityrulesnotmatch: 'pod_anti_affinity',
  podantiaffinityrulesnotmatch: 'pod_anti_affinity',
  evenpodsspread: 'topology_spread',
  evenpodsspreadnotmatch: 'topology_spread',
  podtopologyspread: 'topology_spread',
  novolumezoneconflict: 'volume_node_affinity',
  volumezone: 'volume_node_affinity',
  volumenodeaffinityconflict: 'volume_node_affinity',
  nodiskconflict: 'volume_binding',
  volumerestrictions: 'volume_binding',
  checkvolumebinding: 'volume_binding',
  volumebinding: 'volume_binding',
  volumebindingnomatch: 'volume_binding',
  maxebsvolumecount: 'volume_limits',
  maxgcepdvolumecount: 'volume_limits',
  maxazurediskvolumecount: 'volume_limits',
  maxcindervolumecount: 'volume_limits',
  maxcsivolumecountpred: 'volume_limits',
  maxcsivolumecount: 'volume_limits',
  nodevolumelimits: 'volume_limits',
  ebslimits: 'volume_limits',
  gcepdlimits: 'volume_limits',
  azuredisklimits: 'volume_limits',
  cinderlimits: 'volume_limits',
  checkserviceaffinity: 'other',
  serviceaffinity: 'other',
  coscheduling: 'gang_or_queue',
  gang: 'gang_or_queue',
  podgroup: 'gang_or_queue',
  capacityscheduling: 'quota',
  proportion: 'quota',
};

/** Resources that pre-1.6 releases printed capitalised ("Insufficient CPU"). */
function normalizeResource(name: string): string {
  const trimmed = name.replace(/[.,;:]+$/, '');
  const lower = trimmed.toLowerCase();
  return lower === 'cpu' || lower === 'memory' || lower === 'pods' || lower === 'ephemeral-storage' ? lower : trimmed;
}

/** Reads the category a taint key stands for: the node lifecycle controller's taints have their own. */
export function taintCategory(key: string): ReasonCategory {
  switch (key) {
    case 'node.kubernetes.io/not-ready':
    case 'node.kubernetes.io/unreachable':
      return 'node_not_ready';
    case 'node.kubernetes.io/memory-pressure':
    case 'node.kubernetes.io/disk-pressure':
    case 'node.kubernetes.io/pid-pressure':
    case 'node.kubernetes.io/out-of-disk':
      return 'node_pressure';
    case 'node.kubernetes.io/unschedulable':
      return 'unschedulable';
    default:
      return 'untolerated_taint';
  }
}

/** A taint key as label keys are written: an optional DNS prefix and a name. */
const TAINT_KEY = /^[A-Za-z0-9][\w./-]*$/;

/** Reads `{key: value}` as kube-scheduler prints a taint, skipping braces that hold anything else (JSON, Go dumps). */
function bracedTaint(text: string): SchedulingReason['taint'] | undefined {
  for (const braced of text.matchAll(/\{([^{}]*)\}/g)) {
    const inner = braced[1]!.trim();
    const colon = inner.indexOf(':');
    const key = (colon < 0 ? inner : inner.slice(0, colon)).trim();
    if (!TAINT_KEY.test(key) && key !== '') continue;
    // Pastes of YAML-quoted output show an empty value as `""`.
    const value = colon < 0 ? '' : inner.slice(colon + 1).trim().replace(/^"(.*)"$/, '$1');
    return { key, value };
  }
  return undefined;
}

/**
 * Reads a taint as messages print it: `{key: value}` (kube-scheduler), `key=value:Effect` and
 * `key:Effect` (the client library's Taint.String, which Kueue and Karpenter print, Karpenter inside
 * "(taint=...)"), or a Go dump `v1.Taint{Key:"k", Value:"v", Effect:"E"}` (cluster-autoscaler logs).
 */
export function parseTaint(text: string): SchedulingReason['taint'] | undefined {
  const dumped = /\bKey:"([^"]*)",\s*Value:"([^"]*)",\s*Effect:"(\w+)"/.exec(text);
  if (dumped) return { key: dumped[1]!, value: dumped[2]!, effect: dumped[3]! };
  const braced = bracedTaint(text);
  if (braced) return braced;
  const unwrapped = text.replace(/\(taint=([^)]*)\)/g, ' $1 ');
  const printed = /(?:^|[\s"'])([A-Za-z0-9][\w./-]*)(?:=([^\s:"']*))?:(NoSchedule|PreferNoSchedule|NoExecute)\b/.exec(unwrapped);
  if (printed) return { key: printed[1]!, value: printed[2] ?? '', effect: printed[3]! };
  return undefined;
}

const TAINT_PHRASE = /\b(?:had (?:untolerated )?taints?|untolerated taint|did(?:n't| not) tolerate)\b/i;

function readTaint(text: string): ReasonMeaning | null {
  if (!TAINT_PHRASE.test(text)) return null;
  const taint = parseTaint(text);
  if (!taint || taint.key === '') return { category: 'untolerated_taint' };
  return { category: taintCategory(taint.key), taint };
}

/** A phrase rule: the first rule whose pattern matches a reason text decides its category. */
interface PhraseRule {
  pattern: RegExp;
  category: ReasonCategory;
  /** Capture group that contains the resource name. */
  resourceGroup?: number;
}

/**
 * Phrase rules in the order they must be tried. Gang rules come before the cordon rule because
 * Volcano writes "tasks in gang unschedulable". Quota rules come before the resource rule because
 * Kueue writes "insufficient unused quota for cpu". Volume rules come before the DRA rule because
 * a PersistentVolumeClaim is also a claim.
 */
const PHRASE_RULES: PhraseRule[] = [
  {
    // minCount and quorum are the words of kube-scheduler's own GangScheduling plugin
    // (pkg/scheduler/framework/plugins/gangscheduling).
    pattern: /tasks in gang|\bgang\b|pod ?group|minAvailable|minMember|minReservedPods|\bminCount\b|\bquorum\b|sibling pods|pgName/i,
    category: 'gang_or_queue',
  },
  { pattern: /\btopology "[^"]*" (?:doesn't|does not) allow|\ballows to fit only\b/i, category: 'gang_or_queue' },
  { pattern: /^insufficient (?:unused )?quota for (\S+?),? in flavor/i, category: 'quota', resourceGroup: 1 },
  { pattern: /^resource (\S+) unavailable in ClusterQueue/i, category: 'quota', resourceGroup: 1 },
  { pattern: /quota/i, category: 'quota' },
  {
    pattern: /max node group size reached|max (?:cluster )?(?:[\w.\/-]+ )?limit reached|backoff after failed scale-up|not ready for scale-up|\bscale[- ]up\b|\bnode groups?\b/i,
    category: 'autoscaler',
  },
  { pattern: /\b(?:ClusterQueue|LocalQueue|Workload)\b/, category: 'gang_or_queue' },
  { pattern: /^insufficient pods\b/i, category: 'too_many_pods' },
  { pattern: /^insufficient (\S+)/i, category: 'insufficient_resource', resourceGroup: 1 },
  { pattern: /\bhad insufficient (\S+)/i, category: 'insufficient_resource', resourceGroup: 1 },
  { pattern: /didn't have enough resource: ([^,\s]+)/i, category: 'insufficient_resource', resourceGroup: 1 },
  { pattern: /requested number of devices unavailable for (\S+?)\.?(?:\s|$)/i, category: 'insufficient_resource', resourceGroup: 1 },
  { pattern: /^OutOf([a-z][\w./-]*)$/, category: 'insufficient_resource', resourceGroup: 1 },
  { pattern: /resource fit failed|no instance type (?:satisfied|which had enough|has enough)/i, category: 'insufficient_resource' },
  { pattern: /too many pods|pod number exceeded/i, category: 'too_many_pods' },
  { pattern: /max volume count|volume count|volume limits?\b|attachable volumes?/i, category: 'volume_limits' },
  { pattern: /volume node affinity|volume zone/i, category: 'volume_node_affinity' },
  {
    pattern: /persistentvolumeclaim|persistent ?volumes?|\bpvcs?\b|\bpvc\(s\)|\bpv\(s\)|bind volumes?|volume ?binding|enough free storage|available disk|ReadWriteOncePod|\bvolumes?\b/i,
    category: 'volume_binding',
  },
  {
    pattern: /cannot allocate all claims|resource ?claims?\b|deviceclass|resource driver|dynamic resource|\bclaims?\b.*\b(?:not (?:found|allocated|available)|being deleted|reallocated)/i,
    category: 'insufficient_resource',
  },
  { pattern: /\bunschedulable\b|cordon/i, category: 'unschedulable' },
  { pattern: /\bnot ready\b|\bNotReady\b|network unavailable|unknown conditions?|unreachable/i, category: 'node_not_ready' },
  { pattern: /(?:disk|memory|pid) pressure|out of disk/i, category: 'node_pressure' },
  { pattern: /service affinity/i, category: 'other' },
  { pattern: /topology spread|spread constraints?/i, category: 'topology_spread' },
  { pattern: /pod affinity\/anti-affinity/i, category: 'pod_affinity' },
  { pattern: /anti-affinity|antiaffinity/i, category: 'pod_anti_affinity' },
  { pattern: /pod affinity|inter-pod affinity/i, category: 'pod_affinity' },
  // Karpenter's requirement mismatch: "key K, K DoesNotExist not in K In [v]".
  { pattern: /\bnot in [\w./-]+ (?:In|NotIn|Exists|DoesNotExist|Gt|Lt)\b/, category: 'node_affinity' },
  {
    pattern:
      /node affinity|node selector|nodeSelector|requested node name|requested hostname|requested labels|node-affinity|incompatible requirements|does not have known values/i,
    category: 'node_affinity',
  },
  { pattern: /free ports|host ?ports?\b|port conflict/i, category: 'ports' },
];

/** Reads a name printed alone (a predicate, plugin or extender error name), or returns null. */
function readNamedCheck(text: string): ReasonMeaning | null {
  if (!/^[A-Za-z][\w-]*$/.test(text)) return null;
  const category = NAMED_CHECKS[text.toLowerCase()];
  if (category === undefined) return null;
  if (text === 'PodExceedsFreeCPU') return { category, resource: 'cpu' };
  if (text === 'PodExceedsFreeMemory') return { category, resource: 'memory' };
  return { category };
}

/**
 * Reads a plugin named in the text: Volcano's "plugin X predicates failed REASON", kube-scheduler's
 * "node(s) didn't satisfy plugin(s) [A B]" and "Node(s) failed PreFilter plugin X", and
 * `rejected by "X" at prefilter: REASON`. The reason wins over the plugin's name when both are readable.
 */
function readPluginReason(text: string, source: ReasonSource): ReasonMeaning | null {
  const volcano = /^plugin (\S+) predicates failed:?\s*(.*)$/is.exec(text);
  const rejected = /^rejected by "([^"]+)" at [\w-]+:\s*(.*)$/is.exec(text);
  const wrapped = volcano ?? rejected;
  if (wrapped) {
    const plugin = wrapped[1]!;
    const inner = wrapped[2]!.trim();
    const meaning = inner.length > 0 ? classifyReason(inner, source) : null;
    if (meaning && meaning.category !== 'other') return { ...meaning, plugin };
    return { ...(readNamedCheck(plugin) ?? { category: 'other' }), plugin };
  }
  const listed = /(?:didn't satisfy plugins?(?:\(s\))?|failed (?:PreFilter|Filter) plugin)\s+\[?([\w\s-]+?)\]?(?:\s+simultaneously)?$/i.exec(text);
  if (listed) {
    const plugins = listed[1]!.trim().split(/\s+/);
    const known = plugins.map((plugin) => readNamedCheck(plugin)).find((meaning) => meaning !== null);
    return { ...(known ?? { category: 'other' }), plugin: plugins.join(' ') };
  }
  return null;
}

/**
 * Reads the category, and the resource or taint where the text names one, of one reason as a
 * scheduler, autoscaler, queue or admission controller printed it. Autoscaler reasons that no rule
 * matches are its own (`autoscaler`), Kueue ones are queue admission (`gang_or_queue`), others `other`.
 */
export function classifyReason(text: string, source: ReasonSource = 'scheduler'): ReasonMeaning {
  const plugin = readPluginReason(text, source);
  if (plugin) return plugin;
  const taint = readTaint(text);
  if (taint) return taint;
  const named = readNamedCheck(text);
  if (named) return named;
  for (const rule of PHRASE_RULES) {
    const match = rule.pattern.exec(text);
    if (!match) continue;
    const resourceText = rule.resourceGroup === undefined ? undefined : match[rule.resourceGroup];
    return resourceText === undefined ? { category: rule.category } : { category: rule.category, resource: normalizeResource(resourceText) };
  }
  if (source === 'autoscaler') return { category: 'autoscaler' };
  return { category: source === 'kueue' ? 'gang_or_queue' : 'other' };
}
