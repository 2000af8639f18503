// A value computed from an object of an informer store, kept exactly as long as the store keeps that object.
// Store objects are never mutated (an update replaces the object; see index.ts), so the same object means
// the same content: parsing a cached AgentVersion once, not once per reconcile of every army that reads it.
export function memoByObject<O extends object, R>(compute: (obj: O) => R): (obj: O) => R {
  const memo = new WeakMap<O, { value: R }>();
  return (obj) => {
    const hit = memo.get(obj);
    if (hit) return hit.value;
    const value = compute(obj);
    memo.set(obj, { value });
    return value;
  };
}
