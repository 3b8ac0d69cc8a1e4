// Value types produced by the line scanner: ordinary JSON values, except that big strings
// (base64 images, encrypted reasoning, huge tool output) stay in the file as byte ranges.

/** A JSON string value left in the file: [start, end) are absolute byte offsets of its raw
 *  (still escaped) content between the quotes. It is never turned into a JS string whole. */
export class BigStr {
  constructor(
    readonly start: number,
    readonly end: number,
    /** First 96 bytes of the raw content, latin1-decoded (enough for `data:image/png;base64,` and the PNG size). */
    readonly prefix: string,
    /** Hex digest of the raw content, when the scanner was asked to hash this kind of string. */
    readonly hash: string | undefined,
  ) {}

  /** Raw byte length as stored (escapes count as written). */
  get byteLength(): number {
    return this.end - this.start;
  }

  /** Media type of a `data:` URL, e.g. `image/png`; undefined if this is not a data URL. */
  get dataUrlType(): string | undefined {
    return dataUrlType(this.prefix);
  }
}

export type JsonValue = string | number | boolean | null | BigStr | JsonValue[] | JsonObject;
export interface JsonObject {
  [key: string]: JsonValue;
}

/** Byte span [start, end) of a value inside the file. */
export type Span = readonly [number, number];

/** Spans are attached (only when asked) as a hidden property so the skeleton stays plain data. */
export const SPANS: unique symbol = Symbol('spans');

export interface ContainerSpans {
  self: Span;
  /** Span of each child value: by index for arrays, by key for objects. */
  children: Map<string | number, Span>;
}

export function spansOf(value: unknown): ContainerSpans | undefined {
  return value !== null && typeof value === 'object' ? (value as { [SPANS]?: ContainerSpans })[SPANS] : undefined;
}

export function isObject(v: unknown): v is JsonObject {
  return v !== null && typeof v === 'object' && !Array.isArray(v) && !(v instanceof BigStr);
}

export function dataUrlType(prefix: string): string | undefined {
  if (!prefix.startsWith('data:')) return undefined;
  const end = prefix.search(/[;,]/);
  return end > 5 ? prefix.slice(5, end) : undefined;
}

export function get(v: JsonValue | undefined, ...path: (string | number)[]): JsonValue | undefined {
  let cur: JsonValue | undefined = v;
  for (const k of path) {
    if (cur === null || cur === undefined || typeof cur !== 'object' || cur instanceof BigStr) return undefined;
    cur = (cur as Record<string | number, JsonValue>)[k];
  }
  return cur;
}

export function str(v: JsonValue | undefined, ...path: (string | number)[]): string | undefined {
  const r = path.length ? get(v, ...path) : v;
  return typeof r === 'string' ? r : undefined;
}
