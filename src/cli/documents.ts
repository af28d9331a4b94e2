import { parseAllDocuments } from 'yaml';

/** A YAML syntax error in a stream of one or more documents; the message is the parser's first line. */
export class DocumentSyntaxError extends Error {}

/**
 * Splits text into the top-level JSON values it holds one after another, as a shell loop over
 * `kubectl get -o json` or JSON Lines prints them. Returns `null` when the text is not such a stream.
 */
export function parseJsonStream(text: string): unknown[] | null {
  const values: unknown[] = [];
  let depth = 0;
  let start = -1;
  let inString = false;
  for (let index = 0; index < text.length; index++) {
    const char = text[index]!;
    if (inString) {
      if (char === '\\') index++;
      else if (char === '"') inString = false;
      continue;
    }
    if (char === '"') inString = true;
    else if (char === '{' || char === '[') {
      if (depth === 0) start = index;
      depth++;
    } else if (char === '}' || char === ']') {
      depth--;
      if (depth < 0) return null;
      if (depth === 0) {
        try {
          values.push(JSON.parse(text.slice(start, index + 1)));
        } catch {
          return null;
        }
      }
    } else if (depth === 0 && !/\s/.test(char)) return null;
  }
  return depth === 0 && values.length > 1 ? values : null;
}

/** Gives items of a typed list (NodeList, PodList) the kind the list implies, since the API server leaves it out. */
function itemsOf(value: unknown): unknown[] {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return [value];
  const list = value as { kind?: unknown; items?: unknown };
  if (!Array.isArray(list.items)) return [value];
  const typed = typeof list.kind === 'string' && list.kind.endsWith('List') && list.kind !== 'List';
  const kind = typed ? (list.kind as string).slice(0, -'List'.length) : null;
  return list.items.map((item) => {
    const needsKind = kind !== null && item !== null && typeof item === 'object' && (item as { kind?: unknown }).kind === undefined;
    return needsKind ? { kind, ...(item as object) } : item;
  });
}

/** Joins several documents into one List of their objects, opening any list among them. */
export function joinDocuments(values: unknown[]): { kind: 'List'; items: unknown[] } {
  return { kind: 'List', items: values.flatMap(itemsOf) };
}

/**
 * Parses YAML that may hold several `---`-separated documents: one document gives its value, several give a
 * List of their objects, and empty documents are skipped. Throws a {@link DocumentSyntaxError} naming the
 * first syntax error.
 */
export function parseYamlDocuments(text: string): unknown {
  const documents = parseAllDocuments(text);
  const list = Array.isArray(documents) ? documents : [documents];
  for (const document of list) {
    const error = document.errors[0];
    if (error) throw new DocumentSyntaxError(error.message.split('\n')[0]!);
  }
  const values = list
    .map((document) => document.toJS() as unknown)
    .filter((value) => value !== null && value !== undefined);
  if (values.length === 0) return null;
  return values.length === 1 ? values[0] : joinDocuments(values);
}
