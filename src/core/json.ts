// Outputs cross the engine boundary as a protobuf Struct. `undefined`, Buffer, BigInt and Output
// values make the host throw "Unexpected struct type." *after* the remote object exists (orphaning
// it); Date, Map and Set silently become {}. Every provider result goes through `toPlainJson` first.

/** A JSON value. */
export type Json = string | number | boolean | null | Json[] | { [key: string]: Json };

/**
 * Returns a plain-JSON copy of `value`: object keys whose value is `undefined` are dropped, `undefined`
 * array items become `null`, Dates become ISO strings, Buffers and typed arrays become base64, and
 * non-finite numbers become `null`. Functions, symbols, BigInts and cycles throw, naming the path, so a
 * bug shows up in tests rather than as a half-created resource.
 */
export function toPlainJson(value: unknown, path = "$", seen: Set<object> = new Set()): Json {
  if (value === null) return null;
  switch (typeof value) {
    case "string":
    case "boolean":
      return value;
    case "number":
      return Number.isFinite(value) ? value : null;
    case "undefined":
      return null;
    case "bigint":
    case "function":
    case "symbol":
      throw new TypeError(`${path} is a ${typeof value}, which is not a JSON value`);
  }
  const obj = value as object;
  if (obj instanceof Date) return Number.isNaN(obj.getTime()) ? null : obj.toISOString();
  if (Buffer.isBuffer(obj) || ArrayBuffer.isView(obj)) {
    const view = obj as ArrayBufferView;
    return Buffer.from(view.buffer, view.byteOffset, view.byteLength).toString("base64");
  }
  if (seen.has(obj)) throw new TypeError(`${path} refers back to itself`);
  seen.add(obj);
  try {
    if (Array.isArray(obj)) return obj.map((item, i) => toPlainJson(item, `${path}[${i}]`, seen));
    if (obj instanceof Map || obj instanceof Set) throw new TypeError(`${path} is a ${obj.constructor.name}, which is not a JSON value`);
    const out: { [key: string]: Json } = {};
    for (const [key, item] of Object.entries(obj)) {
      if (item === undefined) continue;
      out[key] = toPlainJson(item, `${path}.${key}`, seen);
    }
    return out;
  } finally {
    seen.delete(obj);
  }
}

/** `toPlainJson` for an object result (provider outputs and inputs). */
export function toPlainObject(value: Record<string, unknown>): Record<string, Json> {
  return toPlainJson(value) as Record<string, Json>;
}

/** Deep equality of two JSON-like values, ignoring object key order and keys whose value is undefined. */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a === undefined || b === undefined || a === null || b === null) return (a ?? null) === (b ?? null);
  if (typeof a !== "object" || typeof b !== "object") return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((item, i) => jsonEqual(item, b[i]));
  const ao = a as Record<string, unknown>;
  const bo = b as Record<string, unknown>;
  const keys = new Set([...Object.keys(ao), ...Object.keys(bo)]);
  for (const key of keys) if (!jsonEqual(ao[key], bo[key])) return false;
  return true;
}
