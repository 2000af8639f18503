// The frame every page shares: head with the page's token, skip link, navigation, live indicator, and
// the regions a page is made of (each one replaced as a whole when the server pushes it again).
import { createHash } from 'node:crypto';
import { type Html, html } from '../html.js';

export interface PageFrame {
  title: string;
  /** Shown in the header: the namespace(s) the dashboard watches. */
  scope: string;
  /** Guards the page's POST requests (see server.ts). */
  token: string;
  /** The event stream this page follows; none for static pages. */
  stream?: string;
  /** Extra data attributes for the page script, e.g. the live series URL. */
  data?: Record<string, string>;
  breadcrumbs?: Array<{ label: string; href?: string }>;
  body: Html;
}

/** A short fingerprint of a region's markup: the page skips a pushed region it already shows. */
export function regionHash(markup: string): string {
  return createHash('sha1').update(markup).digest('base64url').slice(0, 16);
}

/** A region: a container whose inner HTML the server may push again (`event: region`). */
export function region(name: string, content: Html): Html {
  return html`<div class="region" data-region="${name}" data-hash="${regionHash(content.value)}">${content}</div>`;
}

export function page(frame: PageFrame): Html {
  const data = Object.entries(frame.data ?? {}).map(([k, v]) => html` data-${k}="${v}"`);
  const crumbs = frame.breadcrumbs ?? [];
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="dashboard-token" content="${frame.token}">
<title>${frame.title} · agent-army</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/static/uPlot.min.css">
<link rel="stylesheet" href="/static/base.css">
<link rel="stylesheet" href="/static/pages.css">
<script type="module" src="/static/app.js"></script>
</head>
<body${frame.stream ? html` data-stream="${frame.stream}"` : ''}${data}>
<a class="skip-link" href="#main">Skip to content</a>
<header class="top">
  <nav aria-label="Breadcrumb">
    <ol class="crumbs">
      <li><a href="/">agent-army</a></li>
      ${crumbs.map((c) => html`<li>${c.href ? html`<a href="${c.href}">${c.label}</a>` : html`<span aria-current="page">${c.label}</span>`}</li>`)}
    </ol>
  </nav>
  <p class="scope">namespace: <strong>${frame.scope}</strong></p>
  ${frame.stream ? html`<p class="live" id="live" role="status" data-state="connecting">connecting…</p>` : ''}
</header>
<main id="main" tabindex="-1">
<h1>${frame.title}</h1>
${frame.body}
</main>
</body>
</html>`;
}

/** A phase as a badge (text, not only color). */
export function badge(phase: string, extra?: string): Html {
  const cls = phase.toLowerCase().replace(/[^a-z]/g, '');
  return html`<span class="badge badge-${cls}">${phase}${extra ? html` <small>(${extra})</small>` : ''}</span>`;
}

/** A time as <time>, shown in UTC to the second. */
export function time(t: string | undefined): Html {
  if (!t) return html`<span class="muted">-</span>`;
  const d = new Date(t);
  if (Number.isNaN(d.getTime())) return html`${t}`;
  return html`<time datetime="${d.toISOString()}">${d.toISOString().slice(0, 19).replace('T', ' ')}Z</time>`;
}
