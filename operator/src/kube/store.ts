// The in-memory cache an informer keeps: objects by `namespace/name`, grouped per namespace for cheap
// namespace-scoped listing, plus named secondary indexes (e.g. children by owner UID).
import { type KubeObject, keyOf, matchesLabels } from './resource.js';

/** Maps an object to the index values it should be found under. */
export type IndexFunc<T> = (obj: T) => string[];

/** Index name for `byOwnerUid`. */
export const ownerUidIndex = 'ownerUid';

/** Index children by the UIDs of their owners. */
export const byOwnerUid: IndexFunc<KubeObject> = (obj) =>
  (obj.metadata?.ownerReferences ?? []).map((r) => r.uid);

/** Index objects by the value of one label (objects without it are not indexed). */
export function byLabel(label: string): IndexFunc<KubeObject> {
  return (obj) => {
    const v = obj.metadata?.labels?.[label];
    return v === undefined ? [] : [v];
  };
}

export interface ListFilter {
  namespace?: string;
  labels?: Record<string, string>;
}

/** Read-only view handed to reconcilers. */
export interface ReadStore<T extends KubeObject> {
  get(namespace: string | undefined, name: string): T | undefined;
  getByKey(key: string): T | undefined;
  list(filter?: ListFilter): T[];
  byIndex(index: string, value: string): T[];
  keys(): string[];
  readonly size: number;
}

export class Store<T extends KubeObject> implements ReadStore<T> {
  private readonly items = new Map<string, T>();
  private readonly byNamespace = new Map<string, Map<string, T>>();
  private readonly indexes = new Map<string, { fn: IndexFunc<T>; values: Map<string, Set<string>> }>();

  constructor(indexers: Record<string, IndexFunc<T>> = {}) {
    for (const [name, fn] of Object.entries(indexers)) this.indexes.set(name, { fn, values: new Map() });
  }

  get size(): number {
    return this.items.size;
  }

  get(namespace: string | undefined, name: string): T | undefined {
    return this.items.get(namespace ? `${namespace}/${name}` : name);
  }

  getByKey(key: string): T | undefined {
    return this.items.get(key);
  }

  hasIndex(name: string): boolean {
    return this.indexes.has(name);
  }

  keys(): string[] {
    return [...this.items.keys()];
  }

  list(filter: ListFilter = {}): T[] {
    const source =
      filter.namespace === undefined
        ? this.items.values()
        : (this.byNamespace.get(filter.namespace)?.values() ?? []);
    const out: T[] = [];
    for (const obj of source)
      if (!filter.labels || matchesLabels(obj.metadata?.labels, filter.labels)) out.push(obj);
    return out;
  }

  byIndex(index: string, value: string): T[] {
    const idx = this.indexes.get(index);
    if (!idx) throw new Error(`store has no index named "${index}"`);
    const out: T[] = [];
    for (const key of idx.values.get(value) ?? []) {
      const obj = this.items.get(key);
      if (obj) out.push(obj);
    }
    return out;
  }

  /** Inserts or replaces; returns the previous object. */
  upsert(obj: T): T | undefined {
    const key = keyOf(obj);
    const old = this.items.get(key);
    if (old) this.unindex(key, old);
    this.items.set(key, obj);
    const ns = obj.metadata?.namespace ?? '';
    let nsMap = this.byNamespace.get(ns);
    if (!nsMap) {
      nsMap = new Map();
      this.byNamespace.set(ns, nsMap);
    }
    nsMap.set(key, obj);
    for (const { fn, values } of this.indexes.values()) {
      for (const v of fn(obj)) {
        let set = values.get(v);
        if (!set) {
          set = new Set();
          values.set(v, set);
        }
        set.add(key);
      }
    }
    return old;
  }

  /** Removes by key; returns the removed object. */
  remove(key: string): T | undefined {
    const old = this.items.get(key);
    if (!old) return undefined;
    this.unindex(key, old);
    this.items.delete(key);
    const ns = old.metadata?.namespace ?? '';
    const nsMap = this.byNamespace.get(ns);
    nsMap?.delete(key);
    if (nsMap?.size === 0) this.byNamespace.delete(ns);
    return old;
  }

  private unindex(key: string, obj: T): void {
    for (const { fn, values } of this.indexes.values()) {
      for (const v of fn(obj)) {
        const set = values.get(v);
        set?.delete(key);
        if (set?.size === 0) values.delete(v);
      }
    }
  }
}
