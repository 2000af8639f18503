// Specs the release controller refuses before deciding: they pass the CRD's validation but ask for
// something the chosen traffic router cannot do. The release is held (Ready=False, a Warning Event).
import type { CanaryRelease } from '../../api/v1alpha1/index.js';

/** A `mirror` step needs an HTTPRoute (RequestMirror filter); the replica ratio router cannot copy requests. */
export function refuseMirror(release: CanaryRelease): string | undefined {
  if (release.spec.trafficRouting.gatewayAPI) return undefined;
  const i = release.spec.steps.findIndex((s) => s.mirror !== undefined);
  if (i < 0) return undefined;
  return (
    `spec.steps[${i}].mirror: mirroring needs spec.trafficRouting.gatewayAPI (an HTTPRoute whose ` +
    'RequestMirror filter copies requests to the canary); the replica ratio router cannot mirror'
  );
}
