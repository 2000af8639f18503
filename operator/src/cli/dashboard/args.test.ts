import { describe, expect, it } from 'vitest';
import { UsageError } from '../args.js';
import { parseDashboardArgs } from './args.js';

describe('parseDashboardArgs', () => {
  it.each([
    [[], { port: 3100, allNamespaces: false, namespace: undefined, prometheus: undefined }],
    [['--port', '0', '-n', 'shop'], { port: 0, namespace: 'shop' }],
    [['--port=8080', '-A'], { port: 8080, allNamespaces: true }],
    [['--namespace=shop', '--kubeconfig', '/tmp/kc'], { namespace: 'shop', kubeconfig: '/tmp/kc' }],
    [['--prometheus', 'http://127.0.0.1:9090/'], { prometheus: 'http://127.0.0.1:9090' }],
    [
      ['--all-namespaces', '--prometheus=https://prom.example/sub'],
      { prometheus: 'https://prom.example/sub' },
    ],
  ])('parses %j', (argv, expected) => {
    expect(parseDashboardArgs(argv)).toMatchObject(expected);
  });

  it.each([
    [['-n', 'a', '-A'], '--namespace and --all-namespaces exclude each other'],
    [['--port', 'http'], '--port takes a port number 0–65535, not "http"'],
    [['--port', '70000'], '--port takes a port number'],
    [['--port'], '--port needs a value'],
    [['-n', '--port', '1'], '--namespace needs a value'],
    [['--prometheus', 'prom:9090'], '--prometheus takes an http(s) URL'],
    [['--watch'], 'unknown flag --watch'],
    [['orchestrator'], 'unexpected argument "orchestrator" (dashboard takes no name)'],
  ])('rejects %j naming the flag', (argv, message) => {
    expect(() => parseDashboardArgs(argv)).toThrow(UsageError);
    expect(() => parseDashboardArgs(argv)).toThrow(message);
  });
});
