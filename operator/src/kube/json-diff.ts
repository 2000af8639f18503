// Pure JSON comparisons used to avoid needless writes.

type Json = unknown;

function isPlainObject(v: Json): v is Record<string, Json> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Deep equality of JSON values; key order is ignored and keys whose value is undefined count as absent.
 * Runs on every cached child and status of every reconcile, so it walks with plain loops and allocates
 * nothing; only own keys count (a key named like an Object.prototype member is just a key).
 */
export function deepEqual(a: Json, b: Json): boolean {
  if (a === b) return true;
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!deepEqual(a[i], b[i])) return false;
    return true;
  }
  if (!isPlainObject(a) || !isPlainObject(b)) return false;
  let defined = 0;
  for (const k in a) {
    if (!Object.hasOwn(a, k) || a[k] === undefined) continue;
    if (!Object.hasOwn(b, k) || !deepEqual(a[k], b[k])) return false;
    defined++;
  }
  for (const k in b) if (Object.hasOwn(b, k) && b[k] !== undefined) defined--;
  return defined === 0;
}

/** Values the apiserver leaves out of its output (omitempty): '', 0, false, null, [] and {} of such. */
function isEmpty(v: Json): boolean {
  if (v === undefined || v === null || v === '' || v === 0 || v === false) return true;
  if (Array.isArray(v)) return v.length === 0;
  if (isPlainObject(v)) {
    for (const k in v) if (Object.hasOwn(v, k) && !isEmpty(v[k])) return false;
    return true;
  }
  return false;
}

/**
 * True when everything `desired` sets is present with the same value in `actual` (which may hold more,
 * e.g. server-side defaults). Arrays must have the same length and match element-wise as subsets, so an
 * added or removed env var or port counts as a difference. An empty desired value ('' , 0, false, [], {})
 * matches an absent field, because the apiserver omits such values on output; an int-or-string value
 * echoed as the other type (8080 / "8080") matches. Allocation-free, like deepEqual.
 */
export function isSubset(desired: Json, actual: Json): boolean {
  if (desired === undefined) return true;
  if (actual === undefined || actual === null) return isEmpty(desired);
  if (Array.isArray(desired)) {
    if (!Array.isArray(actual) || actual.length !== desired.length) return false;
    for (let i = 0; i < desired.length; i++) if (!isSubset(desired[i], actual[i])) return false;
    return true;
  }
  if (isPlainObject(desired)) {
    if (!isPlainObject(actual)) return false;
    for (const k in desired) {
      if (!Object.hasOwn(desired, k)) continue;
      if (!isSubset(desired[k], Object.hasOwn(actual, k) ? actual[k] : undefined)) return false;
    }
    return true;
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
