// The Service selector router (blue-green): the active Service `<army>-<agent>` selects one color and the
// preview Service `<army>-<agent>-preview` the new one. A selector switch moves every request at once, so
// the only weights are 0 (active on the stable color) and 100 (active on the new color).
import type { V1Service } from '@kubernetes/client-node';
import { type AgentRef, childName, LABEL, type Track } from '../labels.js';
import { renderService } from '../render/render-service.js';
import type { Routes, TrafficRouter } from './router.js';

export function previewServiceName(ref: AgentRef): string {
  return `${childName(ref)}-preview`;
}

export function serviceSelectorRouter(input: {
  namespace: string;
  ref: AgentRef;
  /** The track the active Service selects before the switch, and the new one (the preview). */
  stable: Track;
  canary: Track;
}): TrafficRouter<V1Service | undefined> {
  const { namespace, ref } = input;
  const routes = (active: Track): Routes => ({
    services: [
      renderService({ namespace, ref, track: active }),
      renderService({ namespace, ref, name: previewServiceName(ref), track: input.canary }),
    ],
  });
  return {
    name: 'serviceSelector',
    setWeights(weight) {
      if (weight !== 0 && weight !== 100) {
        throw new Error(`weight: a Service selector switches all traffic at once (0 or 100), got ${weight}`);
      }
      return routes(weight === 100 ? input.canary : input.stable);
    },
    setCohorts() {
      throw new Error('a Service selector cannot match headers');
    },
    setMirror() {
      throw new Error('a Service selector cannot mirror requests');
    },
    reset: () => routes(input.stable),
    status(live) {
      const track = live?.spec?.selector?.[LABEL.track];
      return track === input.canary ? 100 : track === input.stable ? 0 : undefined;
    },
  };
}
