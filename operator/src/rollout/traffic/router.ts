// The traffic router interface, as small as Flagger's: a strategy says what share of requests the new
// track gets, a router says which objects make that so. Routers are pure: they return the objects
// (Services the army renders with the tracks, and an HTTPRoute body the release controller applies), and
// read the live routing back with `status`. The next router (a mesh) is one new file that
// implements this interface, plus a line in `canaryRouter`. A route writes no filter it is not asked for:
// `setWeights`, `setCohorts` and `reset` drop a mirror that `setMirror` wrote.
import type { V1Service } from '@kubernetes/client-node';
import type { HttpRouteApply } from './http-route.js';

/** The objects that route requests the way a router was asked to. */
export interface Routes {
  /** Services the army renders next to the tracks' Deployments. */
  services: V1Service[];
  /** The rules of the user's Gateway API HTTPRoute (server-side applied by the release controller). */
  httpRoute?: HttpRouteApply;
}

export interface TrafficRouter<Live = unknown> {
  /** Which router this is, for logs and status messages. */
  readonly name: string;
  /** Routes that send `weight`% (0–100) of the requests to the new track and the rest to the stable one. */
  setWeights(weight: number): Routes;
  /**
   * The same, plus the header cohorts of the release to the new track whatever the weight. Throws when
   * the router cannot match headers (a spec that asks for it is refused by validation first).
   */
  setCohorts(weight: number): Routes;
  /**
   * Every request to the stable track, and a copy of `percent`% (1–100) of them to the new track, whose
   * answers are dropped (shadow traffic). Throws when the router cannot mirror (the reconciler refuses a
   * spec that asks for it first).
   */
  setMirror(percent: number): Routes;
  /** Every request to the stable track (and no copies). */
  reset(): Routes;
  /** The weight the live routing sends to the new track now; undefined when it cannot tell. */
  status(live: Live): number | undefined;
}

/** Throws unless `weight` is an integer percentage. */
export function checkWeight(weight: number): void {
  if (!Number.isInteger(weight) || weight < 0 || weight > 100) {
    throw new Error(`weight: expected an integer between 0 and 100, got ${weight}`);
  }
}
