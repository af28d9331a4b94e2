import { reason, type BodyReading, type Form } from './scheduler-body.js';
import { splitSentences, splitTopLevel, trimJoiners } from './scheduler-text.js';

const KUEUE_POD_SET = /^(?:couldn't|failed to) assign flavors to pod set ([^:]+):\s*/i;

/**
 * Openings of the reasons Kueue's flavor assigner prints (kueue pkg/scheduler/flavorassigner). It
 * sorts them and joins them with ", ", and many contain ", " themselves ("in flavor f, 8 more needed",
 * "previously considered podsets requests (16) + current podset request (8) > ..."), so a list is
 * split only where the next piece opens a reason.
 */
const KUEUE_REASON_START =
  /,\s+(?=insufficient (?:unused )?quota for |resource \S+ unavailable in |skipping flavor |could not assign |flavor \S+ (?:not found|doesn't match|does not)|untolerated taint |topology "|Flavor "|failed to )/gi;

/**
 * Reads Kueue's "couldn't assign flavors to pod set S: R1, R2", one segment per pod set joined by
 * "; ", the "failed to assign flavors to pod set S: ERROR" form, and a reason list printed without
 * its pod-set header.
 */
function readKueue(_match: RegExpExecArray, text: string): BodyReading {
  const result: BodyReading = { totalNodes: null, reasons: [], preemption: null, component: 'kueue', form: 'kueue', notes: [] };
  for (const segment of splitTopLevel(text, /;\s+(?=(?:couldn't|failed to) assign flavors to pod set )/gi)) {
    const header = KUEUE_POD_SET.exec(segment);
    const podSet = header?.[1]?.trim();
    const [list = '', ...notes] = splitSentences(header ? segment.slice(header[0].length) : segment);
    for (const item of splitTopLevel(list, KUEUE_REASON_START)) {
      const read = reason(trimJoiners(item), null, 'kueue');
      const flavor = /\bin flavor ([^\s,]+)/.exec(item)?.[1] ?? /^flavor (\S+)/.exec(item)?.[1];
      result.reasons.push({ ...read, ...(flavor ? { flavor } : {}), ...(podSet ? { podSet } : {}) });
    }
    if (podSet) result.notes.push(`pod set ${podSet}`);
    result.notes.push(...notes);
  }
  return result;
}

export const KUEUE_FORMS: Form[] = [
  { pattern: KUEUE_POD_SET, read: readKueue },
  // Reasons copied from a Workload's condition without the pod-set header.
  { pattern: /^(?:insufficient (?:unused )?quota for \S+ (?:in )?flavor |resource \S+ unavailable in ClusterQueue)/i, read: readKueue },
];
