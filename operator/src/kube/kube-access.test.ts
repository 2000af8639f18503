// Which kubeconfigs the direct loader serves, what each request gets (TLS material, Authorization, server),
// and that everything else is left to client-node rather than half-understood.
import { mkdtempSync, utimesSync, writeFileSync } from 'node:fs';
import type https from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { createKubeAccess, inClusterAccess, kubeconfigAccess } from './kube-access.js';

const dir = mkdtempSync(join(tmpdir(), 'kube-access-'));
const b64 = (s: string) => Buffer.from(s).toString('base64');

function kubeconfig(name: string, cluster: Record<string, unknown>, user: Record<string, unknown>): string {
  const path = join(dir, name);
  writeFileSync(
    path,
    stringify({
      apiVersion: 'v1',
      kind: 'Config',
      'current-context': 'ctx',
      contexts: [
        { name: 'other', context: { cluster: 'nope', user: 'nope' } },
        { name: 'ctx', context: { cluster: 'c', user: 'u' } },
      ],
      clusters: [{ name: 'c', cluster }],
      users: [{ name: 'u', user }],
    }),
  );
  return path;
}

async function prepared(path: string) {
  const access = kubeconfigAccess(path);
  if (!access) return undefined;
  const options: https.RequestOptions = { headers: { Accept: 'application/json' } };
  const server = await access.prepare(options);
  return { server, options };
}

describe('kubeconfigAccess', () => {
  it('reads inline client certificates and CA (as kwokctl and kind write them)', async () => {
    const p = kubeconfig(
      'certs',
      { server: 'https://127.0.0.1:6443', 'certificate-authority-data': b64('CA') },
      { 'client-certificate-data': b64('CERT'), 'client-key-data': b64('KEY') },
    );
    const r = await prepared(p);
    expect(r?.server).toBe('https://127.0.0.1:6443');
    expect(String(r?.options.ca)).toBe('CA');
    expect(String(r?.options.cert)).toBe('CERT');
    expect(String(r?.options.key)).toBe('KEY');
    expect(r?.options.headers).toEqual({ Accept: 'application/json' });
  });

  it('reads file paths relative to the kubeconfig, and a bearer token', async () => {
    writeFileSync(join(dir, 'ca.crt'), 'FILE-CA');
    const p = kubeconfig(
      'token',
      {
        server: 'https://api.example:443',
        'certificate-authority': 'ca.crt',
        'tls-server-name': 'kubernetes',
      },
      { token: 's3cret' },
    );
    const r = await prepared(p);
    expect(String(r?.options.ca)).toBe('FILE-CA');
    expect(r?.options.servername).toBe('kubernetes');
    expect(r?.options.headers).toMatchObject({ Authorization: 'Bearer s3cret' });
  });

  it('skips verification only when the kubeconfig says so', async () => {
    const on = await prepared(
      kubeconfig('insecure', { server: 'https://x', 'insecure-skip-tls-verify': true }, {}),
    );
    const off = await prepared(kubeconfig('secure', { server: 'https://x' }, {}));
    expect(on?.options.rejectUnauthorized).toBe(false);
    expect(off?.options.rejectUnauthorized).toBeUndefined();
  });

  it.each([
    ['an exec plugin', {}, { exec: { command: 'aws', apiVersion: 'client.authentication.k8s.io/v1' } }],
    ['an auth-provider', {}, { 'auth-provider': { name: 'oidc' } }],
    ['basic auth', {}, { username: 'a', password: 'b' }],
    ['a proxy', { 'proxy-url': 'http://proxy:3128' }, {}],
  ])('leaves %s to client-node', (_what, cluster, user) => {
    const p = kubeconfig('plugin', { server: 'https://x', ...cluster }, user);
    expect(kubeconfigAccess(p)).toBeUndefined();
    expect(createKubeAccess(p, {}).kind).toBe('client-node');
  });

  it('leaves a kubeconfig without the current context to client-node', () => {
    const p = join(dir, 'empty');
    writeFileSync(p, stringify({ apiVersion: 'v1', kind: 'Config', clusters: [] }));
    expect(kubeconfigAccess(p)).toBeUndefined();
  });
});

describe('inClusterAccess', () => {
  it('uses the ServiceAccount CA and re-reads the token after kubelet rotates it', async () => {
    const sa = mkdtempSync(join(tmpdir(), 'sa-'));
    writeFileSync(join(sa, 'ca.crt'), 'SA-CA');
    writeFileSync(join(sa, 'token'), 'token-1\n');
    const access = inClusterAccess(
      { KUBERNETES_SERVICE_HOST: 'fd00::1', KUBERNETES_SERVICE_PORT: '443' },
      sa,
    );
    const first: https.RequestOptions = {};
    expect(await access.prepare(first)).toBe('https://[fd00::1]:443');
    expect(first.headers).toEqual({ Authorization: 'Bearer token-1' });
    expect(String(first.ca)).toBe('SA-CA');
    writeFileSync(join(sa, 'token'), 'token-2\n');
    utimesSync(join(sa, 'token'), new Date(), new Date(Date.now() + 5000));
    const second: https.RequestOptions = {};
    await access.prepare(second);
    expect(second.headers).toEqual({ Authorization: 'Bearer token-2' });
  });
});

describe('createKubeAccess', () => {
  const p = kubeconfig('order', { server: 'https://from-file' }, {});
  it.each([
    ['--kubeconfig wins over everything', p, { KUBERNETES_SERVICE_HOST: '10.0.0.1' }, 'kubeconfig'],
    [
      'KUBECONFIG wins over in-cluster',
      undefined,
      { KUBECONFIG: p, KUBERNETES_SERVICE_HOST: '10.0.0.1' },
      'kubeconfig',
    ],
    [
      'several KUBECONFIG files are merged by client-node',
      undefined,
      { KUBECONFIG: `${p}:${p}` },
      'client-node',
    ],
  ])('%s', (_n, flag, env, kind) => {
    expect(createKubeAccess(flag, env).kind).toBe(kind);
  });
});
