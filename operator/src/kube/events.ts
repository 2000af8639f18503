// Kubernetes Events (core/v1) for objects the operator manages. Repeats of the same (object, type, reason,
// message) are aggregated: the first occurrence creates an Event, later ones only bump a local count, and
// the stored Event's count/lastTimestamp is patched at most once per `aggregateWindowMs`. Recording never
// throws: a failed Event is logged and dropped, it must not fail a reconcile.
import { hostname } from 'node:os';
import type { Logger } from '../observability/logger.js';
import { isApiError } from './api-client.js';
import { type Clock, realClock } from './clock.js';
import { coreTypes, type KubeObject, resourcePath } from './resource.js';
import type { WriteClient } from './writes.js';

export type EventType = 'Normal' | 'Warning';

export interface EventRecorderOptions {
  client: WriteClient;
  log: Logger;
  component?: string;
  clock?: Clock;
  aggregateWindowMs?: number;
  /** Aggregation entries kept (oldest dropped first). */
  maxEntries?: number;
}

interface Entry {
  eventName: string;
  namespace: string;
  count: number;
  firstTimestamp: string;
  lastWriteMs: number;
}

function rfc3339(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 19)}Z`;
}

export class EventRecorder {
  private readonly entries = new Map<string, Entry>();
  private readonly clock: Clock;
  private readonly component: string;
  private readonly windowMs: number;
  private readonly maxEntries: number;
  private readonly instance = `${hostname()}-${process.pid}`;
  private seq = 0;

  constructor(private readonly opts: EventRecorderOptions) {
    this.clock = opts.clock ?? realClock;
    this.component = opts.component ?? 'agent-army';
    this.windowMs = opts.aggregateWindowMs ?? 60_000;
    this.maxEntries = opts.maxEntries ?? 4096;
  }

  /** Records an event about `obj`; resolves when any write it caused has finished. */
  async event(obj: KubeObject, type: EventType, reason: string, message: string): Promise<void> {
    const meta = obj.metadata ?? {};
    const key = `${meta.uid ?? `${meta.namespace}/${meta.name}`}|${type}|${reason}|${message}`;
    const now = this.clock.now();
    const entry = this.entries.get(key);
    try {
      if (!entry) {
        await this.create(key, obj, type, reason, message, now);
        return;
      }
      entry.count++;
      this.entries.delete(key);
      this.entries.set(key, entry);
      if (now - entry.lastWriteMs < this.windowMs) return;
      entry.lastWriteMs = now;
      try {
        await this.opts.client.request({
          method: 'PATCH',
          path: resourcePath(coreTypes.event, entry.namespace, entry.eventName),
          body: { count: entry.count, lastTimestamp: rfc3339(now) },
          contentType: 'application/merge-patch+json',
          write: { verb: 'patch', kind: 'Event' },
          discardResponse: true,
        });
      } catch (err) {
        if (!isApiError(err, 404)) throw err;
        // The Event expired (TTL) meanwhile: start a new one.
        this.entries.delete(key);
        await this.create(key, obj, type, reason, message, now);
      }
    } catch (err) {
      this.opts.log.warn({ err: String(err), reason, object: meta.name }, 'could not record event');
    }
  }

  /** Count the recorder holds for a given event (for tests and debugging). */
  countOf(obj: KubeObject, type: EventType, reason: string, message: string): number {
    const meta = obj.metadata ?? {};
    return (
      this.entries.get(`${meta.uid ?? `${meta.namespace}/${meta.name}`}|${type}|${reason}|${message}`)
        ?.count ?? 0
    );
  }

  private async create(
    key: string,
    obj: KubeObject,
    type: EventType,
    reason: string,
    message: string,
    now: number,
  ): Promise<void> {
    const meta = obj.metadata ?? {};
    const namespace = meta.namespace || 'default';
    const eventName = `${meta.name ?? 'object'}.${now.toString(16)}${(this.seq++ % 4096).toString(16).padStart(3, '0')}`;
    const entry: Entry = { eventName, namespace, count: 1, firstTimestamp: rfc3339(now), lastWriteMs: now };
    this.entries.set(key, entry);
    if (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
    await this.opts.client.request({
      method: 'POST',
      path: resourcePath(coreTypes.event, namespace),
      body: {
        apiVersion: 'v1',
        kind: 'Event',
        metadata: { name: eventName, namespace },
        involvedObject: {
          apiVersion: obj.apiVersion,
          kind: obj.kind,
          name: meta.name,
          namespace: meta.namespace,
          uid: meta.uid,
          resourceVersion: meta.resourceVersion,
        },
        type,
        reason,
        message,
        count: 1,
        firstTimestamp: entry.firstTimestamp,
        lastTimestamp: entry.firstTimestamp,
        source: { component: this.component },
        reportingComponent: this.component,
        reportingInstance: this.instance,
      },
      write: { verb: 'create', kind: 'Event' },
      discardResponse: true,
    });
  }
}
