import { escapeMrkdwn, joinWithMore, truncate } from '../slack/messages/common.js';
import { describeEvent } from '../vendors/describe.js';
import { getNotice, listNotices, type NoticeRecord } from '../vendors/notice-store.js';
import { UsageError, type Subcommand } from './subcommands.js';

const LIST_LIMIT = 20;

function countLabel(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}

/** Formats one line per stored notice: id, vendor and format, what was matched and what came of it. */
export function noticeLine(notice: NoticeRecord): string {
  const source = notice.vendor ? `${notice.vendor} ${notice.format ?? ''}`.trim() : 'unknown vendor';
  const nodes = notice.matches.reduce((sum, match) => sum + match.nodes.length, 0);
  const unmatched = [...new Set(notice.matches.flatMap((match) => match.unmatchedResources))];
  let outcome: string;
  if (notice.status === 'rejected') outcome = `rejected: ${notice.error ?? 'not a notice'}`;
  else if (notice.status === 'empty') outcome = 'announces no events';
  else if (notice.status === 'matched') outcome = `${countLabel(notice.events.length, 'event')}, ${countLabel(nodes, 'node')} matched`;
  else outcome = `${countLabel(notice.events.length, 'event')}, no node matched`;
  if (unmatched.length > 0) outcome += `; unmatched: ${unmatched.slice(0, 5).join(', ')}${unmatched.length > 5 ? ', …' : ''}`;
  if (notice.maintenanceId) outcome += ` → ${notice.maintenanceId}`;
  if (notice.notes.length > 0) outcome += ` (${countLabel(notice.notes.length, 'note')})`;
  return `• #${notice.id} ${escapeMrkdwn(source)}, received ${notice.receivedAt}: ${escapeMrkdwn(truncate(outcome, 300))}`;
}

function showNotice(notice: NoticeRecord): string {
  const lines = [noticeLine(notice)];
  notice.events.forEach((event, position) => {
    const match = notice.matches[position];
    const nodes = match?.nodes.map((node) => `${node.cluster}/${node.node}`) ?? [];
    const [first, ...rest] = describeEvent(event);
    lines.push(`*${escapeMrkdwn(first!)}*`, ...rest.map((line) => `   ${escapeMrkdwn(line)}`));
    lines.push(`   matched nodes: ${nodes.length > 0 ? escapeMrkdwn(nodes.join(', ')) : 'none'}`);
    if (match?.maintenanceId) lines.push(`   maintenance: ${match.maintenanceId}`);
  });
  for (const event of notice.ended) {
    lines.push(`ended since the previous notice: ${escapeMrkdwn(event.eventId ?? event.kind)} (${event.status})`);
  }
  for (const note of notice.notes) lines.push(`note: ${escapeMrkdwn(note)}`);
  return truncate(lines.join('\n'), 3900);
}

const USAGE = ['notices', 'notices unmatched', 'notices show ID'];

/** `/pitstop notices`: recent vendor notices, the ones no node was found for, or one notice in full. */
const noticesSubcommand: Subcommand = {
  name: 'notices',
  usage: USAGE,
  summary: 'list received vendor maintenance notices; `unmatched` lists those that matched no node',
  async run(input) {
    const usage = USAGE.map((line) => `\`/pitstop ${line}\``).join('\n');
    const [mode, id, ...extra] = input.args;
    if (mode === 'show') {
      if (id === undefined || extra.length > 0 || !/^#?\d+$/.test(id)) {
        throw new UsageError('notices show takes one notice id such as 12', usage);
      }
      const notice = getNotice(input.ctx.db, Number(id.replace('#', '')));
      return { text: notice ? showNotice(notice) : `Notice #${id.replace('#', '')} not found. \`/pitstop notices\` lists them.` };
    }
    if (input.args.length > 1 || (mode !== undefined && mode !== 'unmatched')) {
      throw new UsageError(`invalid notices arguments "${input.args.join(' ')}": expected none, unmatched or show ID`, usage);
    }
    const unmatchedOnly = mode === 'unmatched';
    const notices = listNotices(input.ctx.db, { unmatchedOnly, limit: LIST_LIMIT });
    if (notices.length === 0) return { text: unmatchedOnly ? 'Every stored notice matched a node.' : 'No vendor notices received yet.' };
    const header = unmatchedOnly
      ? `Notices that matched no node (newest first, up to ${LIST_LIMIT}):`
      : `Recent vendor notices (newest first, up to ${LIST_LIMIT}):`;
    return { text: [header, joinWithMore(notices.map(noticeLine), { maxItems: LIST_LIMIT, maxChars: 3500, separator: '\n' })].join('\n') };
  },
};

/** The notice subcommands, registered with the `/pitstop` router. */
export const noticeSubcommands: Subcommand[] = [noticesSubcommand];
