// Whether a live child still holds everything the operator wants in it. The operator applies a child only
// when it does not, so a steady state costs no writes at all, while a hand edit of a field the operator
// owns (or a deleted child) is put back on the next reconcile.
//
// "Holds" is a semantic subset: every field of `desired` must be present in `live` with an equal value;
// fields the apiserver or other controllers add (defaults, status, clusterIP, replicas set by an HPA) are
// ignored. Arrays must match element by element and in length, so an added or removed env var, port or
// container counts as drift. Empty values that the apiserver omits on output ('' , 0, false, [], {}) equal
// an absent field.

type Json = unknown;

function isEmpty(v: Json): boolean {
  if (v === undefined || v === null || v === '' || v === 0 || v === false) return true;
  if (Array.isArray(v)) return v.length === 0;
  if (typeof v === 'object') return Object.values(v as object).every(isEmpty);
  return false;
}

export function holds(live: Json, desired: Json): boolean {
  if (desired === undefined) return true;
  if (live === undefined || live === null) return isEmpty(desired);
  if (Array.isArray(desired)) {
    if (!Array.isArray(live) || live.length !== desired.length) return false;
    return desired.every((d, i) => holds(live[i], d));
  }
  if (typeof desired === 'object' && desired !== null) {
    if (typeof live !== 'object' || Array.isArray(live)) return false;
    const l = live as Record<string, Json>;
    return Object.entries(desired as Record<string, Json>).every(([k, v]) => holds(l[k], v));
  }
  // Numbers the apiserver may echo as strings in int-or-string fields, and the reverse.
  if (typeof desired !== typeof live) return String(desired) === String(live);
  return desired === live;
}

/** The parts of a child the operator owns and compares: metadata labels/annotations/ownerRefs, spec, data. */
export function needsApply(live: Json, desired: Record<string, Json>): boolean {
  if (live === undefined) return true;
  const { apiVersion: _a, kind: _k, ...rest } = desired;
  return !holds(live, rest);
}
