// From the cluster state to pages and their regions: the overview, a release and a version diff. A view
// can render its regions again at any time; the server pushes the ones that changed.

import { type ClusterState, InvalidObject } from './cluster-state.js';
import { type Html, html } from './html.js';
import { overviewModel } from './overview-model.js';
import { diffBody, missingBody } from './pages/diff-page.js';
import { page } from './pages/layout.js';
import { overviewBody, overviewRegions } from './pages/overview-page.js';
import { releaseBody, releaseRegions } from './pages/release-page.js';
import { releaseModel } from './release-model.js';
import { versionDiff } from './version-diff.js';

export interface ViewContext {
  state: ClusterState;
  scope: string;
  token: string;
  now: () => Date;
  /** Live series are offered when the dashboard was given a Prometheus address. */
  prometheus: boolean;
}

/** A page that updates: its regions, rendered from the state as it is now. */
export type RegionSource = () => Record<string, Html>;

const isInvalid = (x: unknown): x is InvalidObject => x instanceof InvalidObject;

export function overviewSource(ctx: ViewContext): RegionSource {
  return () => {
    const armies = ctx.state.armies();
    const releases = ctx.state.releases();
    return overviewRegions(
      overviewModel({
        armies: armies.items,
        releases: releases.items,
        invalid: [...armies.invalid, ...releases.invalid],
        problems: ctx.state.problems,
        scope: ctx.scope,
      }),
    );
  };
}

export function releaseSource(ctx: ViewContext, namespace: string, name: string): RegionSource {
  return () => {
    const release = ctx.state.release(namespace, name);
    if (!release || isInvalid(release)) {
      const why = release
        ? `CanaryRelease ${release.key} cannot be shown: ${release.message}`
        : `No CanaryRelease ${namespace}/${name} here (yet). This page fills in when it appears.`;
      const none = html`<p class="empty">${why}</p>`;
      return {
        summary: none,
        controls: html``,
        steps: html``,
        timeline: html``,
        analysis: html``,
        events: html``,
      };
    }
    return releaseRegions(
      releaseModel({
        release,
        events: ctx.state.releaseEvents(namespace, name),
        observedWeights: ctx.state.observedWeights(namespace, name),
        now: ctx.now(),
      }),
    );
  };
}

const q = encodeURIComponent;

export function overviewPage(ctx: ViewContext): Html {
  return page({
    title: 'Armies and releases',
    scope: ctx.scope,
    token: ctx.token,
    stream: '/events?view=overview',
    body: overviewBody(overviewSource(ctx)()),
  });
}

export function releasePage(ctx: ViewContext, namespace: string, name: string): Html {
  const base = `/releases/${q(namespace)}/${q(name)}`;
  return page({
    title: `Release ${name}`,
    scope: ctx.scope,
    token: ctx.token,
    stream: `/events?view=release&namespace=${q(namespace)}&name=${q(name)}`,
    data: { control: `/api${base}/control`, ...(ctx.prometheus ? { live: `/api${base}/live` } : {}) },
    breadcrumbs: [{ label: `${namespace}/${name}` }],
    body: releaseBody(releaseSource(ctx, namespace, name)()),
  });
}

export function diffPage(ctx: ViewContext, namespace: string, from: string, to: string): Html {
  const stable = ctx.state.version(namespace, from);
  const canary = ctx.state.version(namespace, to);
  const problems: string[] = [];
  for (const [side, name, v] of [
    ['stable', from, stable],
    ['canary', to, canary],
  ] as const) {
    if (!v) problems.push(`The ${side} AgentVersion ${namespace}/${name} is not here.`);
    else if (isInvalid(v)) problems.push(`The ${side} AgentVersion ${v.key} cannot be shown: ${v.message}`);
  }
  const body =
    stable && canary && !isInvalid(stable) && !isInvalid(canary)
      ? diffBody(versionDiff(stable, canary), { stable: from, canary: to })
      : missingBody(problems);
  return page({
    title: `${from} → ${to}`,
    scope: ctx.scope,
    token: ctx.token,
    breadcrumbs: [{ label: `${namespace}: what changed` }],
    body,
  });
}
