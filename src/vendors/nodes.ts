import type { Vendor } from '../config/schema.js';
import { toNodeView, type NodeView } from '../k8s/views.js';
import { asRecord } from './decode.js';
import { makeReading } from './events.js';
import { NoticeFormatError, type NoticeDocument, type NoticeReading, type VendorEvent } from './types.js';

function isNodeObject(value: unknown): boolean {
  const object = asRecord(value);
  if (object === null) return false;
  if (object.kind === 'Node') return true;
  const metadata = asRecord(object.metadata);
  return object.kind === undefined && metadata !== null && typeof metadata.name === 'string';
}

/**
 * Returns the Nodes of a document that is a Node, a NodeList (or `kubectl get -o json` List), or an
 * array of Nodes, or null when it is none of these. A pasted fragment with only `metadata` counts as a
 * Node when it has a name and no other kind.
 */
export function nodesIn(value: unknown): NodeView[] | null {
  if (Array.isArray(value)) {
    return value.length > 0 && value.every(isNodeObject) ? value.map((node) => toNodeView(node as Record<string, unknown>)) : null;
  }
  if (isNodeObject(value)) return [toNodeView(value as Record<string, unknown>)];
  const list = asRecord(value);
  if (list && (list.kind === 'NodeList' || list.kind === 'List') && Array.isArray(list.items)) {
    const nodes = list.items.filter(isNodeObject);
    return nodes.length > 0 ? nodes.map((node) => toNodeView(node as Record<string, unknown>)) : null;
  }
  return null;
}

/** Returns whether the document is one or more Nodes and at least one shows a signal. */
export function detectNodes(document: NoticeDocument, hasSignal: (node: NodeView) => boolean): boolean {
  return nodesIn(document.value)?.some(hasSignal) ?? false;
}

/** Reads the maintenance signals of every Node in the document. */
export function readNodes(
  document: NoticeDocument,
  vendor: Vendor,
  format: string,
  signals: (node: NodeView) => VendorEvent[],
): NoticeReading {
  const nodes = nodesIn(document.value);
  if (nodes === null) throw new NoticeFormatError(`a ${format} document is a Node, a NodeList or a list of Nodes`);
  return makeReading(vendor, format, nodes.flatMap(signals), document.notes);
}
