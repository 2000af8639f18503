// Pure JSON comparisons used to avoid needless writes.

type Json = unknown;

function isPlainObject(v: Json): v is Record<string, Json> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Deep equality of JSON values; key order is ignored and keys whose value is undefined count as absent. */
export function deepEqual(a: Json, b: Json): boolean {
  if (a === b) return true;
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    return a.every((v, i) => deepEqual(v, b[i]));
  }
  if (isPlainObject(a) && isPlainObject(b)) {
    const ka = Object.keys(a).filter((k) => a[k] !== undefined);
    const kb = Object.keys(b).filter((k) => b[k] !== undefined);
    if (ka.length !== kb.length) return false;
    return ka.every((k) => deepEqual(a[k], b[k]));
  }
  return false;
}

/** Values the apiserver leaves out of its output (omitempty): '', 0, false, null, [] and {} of such. */
function isEmpty(v: Json): boolean {
  if (v === undefined || v === null || v === '' || v === 0 || v === false) return true;
  if (Array.isArray(v)) return v.length === 0;
  if (isPlainObject(v)) return Object.values(v).every(isEmpty);
  return false;
}

/**
 * True when everything `desired` sets is present with the same value in `actual` (which may hold more,
 * e.g. server-side defaults). Arrays must have the same length and match element-wise as subsets, so an
 * added or removed env var or port counts as a difference. An empty desired value ('' , 0, false, [], {})
 * matches an absent field, because the apiserver omits such values on output; an int-or-string value
 * echoed as the other type (8080 / "8080") matches.
 */
export function isSubset(desired: Json, actual: Json): boolean {
  if (desired === undefined) return true;
  if (actual === undefined || actual === null) return isEmpty(desired);
  if (Array.isArray(desired)) {
    return (
      Array.isArray(actual) &&
      actual.length === desired.length &&
      desired.every((v, i) => isSubset(v, actual[i]))
    );
  }
  if (isPlainObject(desired)) {
    if (!isPlainObject(actual)) return false;
    return Object.keys(desired).every((k) => isSubset(desired[k], actual[k]));
  }
  if (typeof desired !== typeof actual && (typeof desired === 'number' || typeof actual === 'number')) {
    return String(desired) === String(actual);
  }
  return desired === actual;
}

/** An RFC 7386 JSON merge patch that turns `from` into `to` (removed keys become null). */
export function mergePatch(from: Json, to: Json): Json {
  if (!isPlainObject(from) || !isPlainObject(to)) return to;
  const patch: Record<string, Json> = {};
  for (const k of Object.keys(from)) {
    if (from[k] !== undefined && to[k] === undefined) patch[k] = null;
  }
  for (const [k, v] of Object.entries(to)) {
    if (v === undefined || deepEqual(from[k], v)) continue;
    patch[k] = isPlainObject(from[k]) && isPlainObject(v) ? mergePatch(from[k], v) : v;
  }
  return patch;
}
