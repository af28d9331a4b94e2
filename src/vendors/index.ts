import { VENDORS, type Vendor } from '../config/schema.js';
import type { NodeView } from '../k8s/views.js';
import { awsAdapter } from './aws.js';
import { azureAdapter } from './azure.js';
import { coreweaveAdapter } from './coreweave.js';
import { decodeNotice, documentText } from './decode.js';
import { makeReading } from './events.js';
import { gcpAdapter } from './gcp.js';
import { GENERIC_FORMAT, genericAdapter, isGenericDocument, readGeneric } from './generic.js';
import { ICAL_FORMAT, isICalendar, readICalendar } from './ical.js';
import { nodesIn } from './nodes.js';
import { ociAdapter } from './oci.js';
import {
  NoticeFormatError,
  type NoticeDocument,
  type NoticeReading,
  type ReadOptions,
  type VendorAdapter,
} from './types.js';

export * from './types.js';

const ADAPTERS: Record<Vendor, VendorAdapter> = {
  azure: azureAdapter,
  aws: awsAdapter,
  gcp: gcpAdapter,
  oci: ociAdapter,
  coreweave: coreweaveAdapter,
  generic: genericAdapter,
};

/** Returns the adapter of a vendor. */
export function adapterFor(vendor: Vendor): VendorAdapter {
  return ADAPTERS[vendor];
}

/** A Node or NodeList with no vendor's signal on it: read with every adapter, or the one named. */
const KUBERNETES_NODE_FORMAT = 'kubernetes-node';

/** Formats any vendor's notices may come in; they are tried after the vendor's own formats. */
export const SHARED_FORMATS = [GENERIC_FORMAT, ICAL_FORMAT, KUBERNETES_NODE_FORMAT];

/** Lists every vendor with its formats, for help text and error messages. */
export function listFormats(): { vendor: Vendor; formats: string[] }[] {
  return VENDORS.map((vendor) => ({ vendor, formats: ADAPTERS[vendor].formats }));
}

export interface NoticeOptions extends ReadOptions {
  vendor?: Vendor;
  format?: string;
}

function providerVendor(node: NodeView): Vendor | null {
  const scheme = /^([a-z]+):\/\//.exec(node.providerId ?? '')?.[1];
  const byScheme: Record<string, Vendor> = { aws: 'aws', azure: 'azure', gce: 'gcp', oci: 'oci' };
  if (scheme !== undefined) return byScheme[scheme] ?? null;
  return node.providerId?.startsWith('ocid1.') ? 'oci' : null;
}

function readShared(document: NoticeDocument, format: string, options: NoticeOptions): NoticeReading {
  if (format === GENERIC_FORMAT) return readGeneric(document, options.vendor);
  if (format === ICAL_FORMAT) {
    const text = documentText(document);
    if (!isICalendar(text)) throw new NoticeFormatError('an ical document starts with BEGIN:VCALENDAR');
    return readICalendar(text, options.vendor ?? 'generic');
  }
  const nodes = nodesIn(document.value);
  if (nodes === null) throw new NoticeFormatError(`a ${format} document is a Node, a NodeList or a list of Nodes`);
  const vendor = options.vendor ?? providerVendor(nodes[0]!) ?? undefined;
  const adapters = vendor === undefined ? Object.values(ADAPTERS) : [ADAPTERS[vendor]];
  const events = nodes.flatMap((node) => adapters.flatMap((adapter) => adapter.nodeSignals(node)));
  return makeReading(vendor ?? events[0]?.vendor ?? 'generic', format, events, document.notes);
}

function detectShared(document: NoticeDocument): string | null {
  if (isGenericDocument(document)) return GENERIC_FORMAT;
  if (isICalendar(documentText(document))) return ICAL_FORMAT;
  return nodesIn(document.value) ? KUBERNETES_NODE_FORMAT : null;
}

function describeTried(adapters: VendorAdapter[]): string {
  return adapters.map((adapter) => `${adapter.vendor} (${adapter.formats.join(', ')})`).join('; ');
}

function readWithFormat(document: NoticeDocument, format: string, options: NoticeOptions): NoticeReading {
  if (SHARED_FORMATS.includes(format)) return readShared(document, format, options);
  const candidates = options.vendor ? [ADAPTERS[options.vendor]] : Object.values(ADAPTERS);
  const adapter = candidates.find((candidate) => candidate.formats.includes(format));
  if (adapter === undefined) {
    const where = options.vendor ? `of vendor ${options.vendor}` : 'known';
    throw new NoticeFormatError(
      `format '${format}' is not a format ${where}; formats: ${describeTried(candidates)}; also ${SHARED_FORMATS.join(', ')}`,
    );
  }
  return adapter.read(document, format, options);
}

function detectFormat(document: NoticeDocument, options: NoticeOptions): { adapter: VendorAdapter | null; format: string } {
  const candidates = options.vendor ? [ADAPTERS[options.vendor]] : Object.values(ADAPTERS);
  const claims = candidates.flatMap((adapter) => {
    const format = adapter.detect(document);
    return format === null ? [] : [{ adapter, format }];
  });
  if (claims.length === 1) return claims[0]!;
  // A document two readers claim is ambiguous. For example, `[]` is both an empty EC2 metadata
  // response and an empty generic list.
  if (claims.length > 1) {
    const named = claims.map((claim) => `${claim.adapter.vendor} ${claim.format}`).join(' or ');
    throw new NoticeFormatError(`the notice could be ${named}`, ['vendor']);
  }
  const shared = detectShared(document);
  if (shared !== null) return { adapter: null, format: shared };
  const vendorPart = options.vendor ? `a ${options.vendor} notice in any of its formats` : 'a notice of any vendor';
  throw new NoticeFormatError(
    `could not read the document as ${vendorPart}; tried ${describeTried(candidates)}, and ${SHARED_FORMATS.join(', ')}`,
    ['vendor', 'format'],
  );
}

/**
 * Reads a vendor maintenance notice. The document is text (JSON, almost-JSON as vendors publish it,
 * YAML, node-problem-detector text, iCalendar, a bare metadata value) or an already parsed value.
 * Without `vendor` and `format` both are detected; throws {@link NoticeFormatError} naming what was tried
 * when the document is empty, matches no format, or matches several vendors.
 *
 * Fields that cannot be read come back as null with a warning on the event and a line in `notes`.
 */
export function readNotice(document: unknown, options: NoticeOptions = {}): NoticeReading {
  if (options.vendor !== undefined && !VENDORS.includes(options.vendor)) {
    throw new NoticeFormatError(`unknown vendor '${String(options.vendor)}': expected one of ${VENDORS.join(', ')}`);
  }
  const decoded = decodeNotice(document);
  let reading: NoticeReading;
  if (options.format !== undefined) reading = readWithFormat(decoded, options.format, options);
  else {
    const { adapter, format } = detectFormat(decoded, options);
    reading = adapter ? adapter.read(decoded, format, options) : readShared(decoded, format, options);
  }
  if (options.resource !== undefined && options.resource !== '') {
    for (const event of reading.events) if (event.resources.length === 0) event.resources = [options.resource];
  }
  return reading;
}
