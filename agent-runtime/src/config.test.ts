import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, ENV, loadConfig } from './config.js';

const base = {
  AGENT_NAME: 'orchestrator',
  AGENT_VERSION: '1.2.0',
  MODEL_NAME: 'gpt-4o-mini',
  OPENAI_API_KEY: 'sk-test-0123456789',
};

function problemsOf(env: NodeJS.ProcessEnv): string[] {
  try {
    loadConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  throw new Error('expected a ConfigError');
}

function tempFile(name: string, text: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'agent-config-'));
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

describe('loadConfig', () => {
  it('applies the documented defaults (MaravIA breaker/timeout/retry values) to a minimal env', () => {
    const c = loadConfig(base);
    expect(c.agent).toEqual({
      name: 'orchestrator',
      version: '1.2.0',
      track: 'stable',
      namespace: undefined,
    });
    expect(c.model).toMatchObject({
      name: 'gpt-4o-mini',
      timeoutMs: 60_000,
      maxRetries: 3,
      baseURL: undefined,
    });
    expect(c.breaker).toEqual({ failureThreshold: 5, resetTimeoutMs: 60_000 });
    expect(c.server).toMatchObject({
      port: 8080,
      host: '0.0.0.0',
      maxConcurrency: 64,
      maxBodyBytes: 1_048_576,
    });
    expect(c.log).toEqual({ level: 'info', prompts: false });
    // gpt-4o-mini is in the built-in price table.
    expect(c.model.price).toEqual({ input: 0.15, output: 0.6 });
  });

  it('reads every operator-rendered variable', () => {
    const c = loadConfig({
      ...base,
      AGENT_TRACK: 'canary',
      POD_NAMESPACE: 'team-a',
      MODEL_BASE_URL: 'http://127.0.0.1:9999/v1',
      MODEL_TIMEOUT_SECONDS: '2.5',
      MODEL_MAX_RETRIES: '0',
      PORT: '0',
      LOG_PROMPTS: 'true',
      MODEL_PRICE_INPUT_PER_MTOK: '1',
      MODEL_PRICE_OUTPUT_PER_MTOK: '2',
    });
    expect(c.agent.track).toBe('canary');
    expect(c.agent.namespace).toBe('team-a');
    expect(c.model).toMatchObject({ baseURL: 'http://127.0.0.1:9999/v1', timeoutMs: 2500, maxRetries: 0 });
    expect(c.model.price).toEqual({ input: 1, output: 2 });
    expect(c.server.port).toBe(0);
    expect(c.log.prompts).toBe(true);
  });

  it('names each bad or missing variable in one error', () => {
    const problems = problemsOf({
      AGENT_NAME: 'Not_A_Label',
      AGENT_VERSION: 'latest',
      MODEL_BASE_URL: 'ftp://x',
      MODEL_TIMEOUT_SECONDS: '-1',
      PORT: '70000',
    });
    const named = problems.map((p) => p.split(':')[0]);
    expect(named).toEqual(
      expect.arrayContaining([
        ENV.agentName,
        ENV.agentVersion,
        ENV.modelName,
        ENV.modelBaseUrl,
        ENV.modelTimeoutSeconds,
        ENV.apiKey,
        ENV.port,
      ]),
    );
    expect(problems).toContain('OPENAI_API_KEY: is required');
  });

  it('treats empty strings as unset', () => {
    expect(problemsOf({ ...base, OPENAI_API_KEY: '  ' })).toEqual(['OPENAI_API_KEY: is required']);
    expect(loadConfig({ ...base, AGENT_TRACK: '' }).agent.track).toBe('stable');
  });

  it('requires both price variables together', () => {
    expect(problemsOf({ ...base, MODEL_PRICE_INPUT_PER_MTOK: '1' })[0]).toMatch(
      /MODEL_PRICE_INPUT_PER_MTOK and/,
    );
  });

  it('refuses SHADOW_PORT equal to PORT, and reads it as the shadow listener port', () => {
    expect(problemsOf({ ...base, PORT: '9000', SHADOW_PORT: '9000' })[0]).toMatch(
      /SHADOW_PORT must differ from PORT \(both are 9000\)/,
    );
    expect(loadConfig({ ...base, SHADOW_PORT: '8081' }).server.shadowPort).toBe(8081);
    expect(loadConfig(base).server.shadowPort).toBeUndefined();
  });

  it('loads prompt, tools, params and pricing from the agent file', () => {
    const path = tempFile(
      'agent.yaml',
      [
        'prompt: You are the orchestrator.',
        'tools:',
        '  - name: lookup_order',
        '    description: Find an order',
        '    parameters: { type: object, properties: { id: { type: string } } }',
        'params: { temperature: 0.2, maxTokens: 256 }',
        'pricing:',
        '  good-model: { inputPerMillion: 3, outputPerMillion: 6 }',
      ].join('\n'),
    );
    const c = loadConfig({ ...base, MODEL_NAME: 'good-model', AGENT_CONFIG_FILE: path });
    expect(c.agentFile.prompt).toBe('You are the orchestrator.');
    expect(c.agentFile.tools.map((t) => t.name)).toEqual(['lookup_order']);
    expect(c.agentFile.params).toEqual({ temperature: 0.2, maxTokens: 256 });
    expect(c.model.price).toEqual({ input: 3, output: 6 });
  });

  it('accepts a JSON agent file', () => {
    const path = tempFile('agent.json', JSON.stringify({ prompt: 'hi', params: { topP: 0.5 } }));
    expect(loadConfig({ ...base, AGENT_CONFIG_FILE: path }).agentFile.params.topP).toBe(0.5);
  });

  it('names the file and the field for a bad agent file', () => {
    const path = tempFile('agent.yaml', 'params: { temperature: 5, top_p: 1 }\n');
    const problems = problemsOf({ ...base, AGENT_CONFIG_FILE: path });
    expect(problems.some((p) => p.startsWith(`AGENT_CONFIG_FILE (${path}): params.temperature:`))).toBe(true);
    // Unknown keys are typos, not silently ignored.
    expect(problems.some((p) => p.includes('params') && p.includes('top_p'))).toBe(true);
  });

  it('reports an unreadable or unparsable agent file', () => {
    expect(problemsOf({ ...base, AGENT_CONFIG_FILE: '/nonexistent/agent.yaml' })[0]).toMatch(
      /^AGENT_CONFIG_FILE: cannot read \/nonexistent\/agent.yaml: ENOENT/,
    );
    const bad = tempFile('bad.yaml', 'prompt: [unclosed\n');
    expect(problemsOf({ ...base, AGENT_CONFIG_FILE: bad })[0]).toMatch(/not valid YAML\/JSON/);
  });

  it('reads the tool fields of the agent file: sideEffects tools get no retries unless they ask', () => {
    const path = tempFile(
      'agent.yaml',
      'maxSteps: 4\ntools:\n  - { name: a, url: "http://t/a" }\n  - { name: b, url: "http://t/b", sideEffects: true }\n  - { name: c, protocol: mcp, url: "http://t/mcp", sideEffects: true, retries: 1 }\n',
    );
    const c = loadConfig({ ...base, AGENT_CONFIG_FILE: path });
    expect(c.agentFile.maxSteps).toBe(4);
    expect(c.agentFile.tools.map((t) => [t.name, t.sideEffects, t.retries])).toEqual([
      ['a', false, 2],
      ['b', true, 0],
      ['c', true, 1],
    ]);
    expect(c.toolSideEffects).toBe('run');
    expect(loadConfig({ ...base, TOOL_SIDE_EFFECTS: 'stub' }).toolSideEffects).toBe('stub');
    expect(problemsOf({ ...base, TOOL_SIDE_EFFECTS: 'skip' })[0]).toMatch(/^TOOL_SIDE_EFFECTS: /);
  });

  it('resolves the judge: its own key and URL when given, else the model key and MODEL_BASE_URL', () => {
    const path = tempFile('agent.yaml', 'judge: { model: j, rubric: "Be right." }\n');
    const c = loadConfig({ ...base, AGENT_CONFIG_FILE: path, MODEL_BASE_URL: 'http://m/v1' });
    expect(c.judge).toMatchObject({
      model: 'j',
      sampleRate: 0.1,
      passScore: 0.7,
      apiKey: base.OPENAI_API_KEY,
      baseURL: 'http://m/v1',
    });
    expect(
      loadConfig({ ...base, AGENT_CONFIG_FILE: path, JUDGE_API_KEY: 'sk-judge-123456' }).judge?.apiKey,
    ).toBe('sk-judge-123456');
    expect(loadConfig(base).judge).toBeUndefined();
    const bad = tempFile(
      'agent.yaml',
      'judge: { model: j, rubric: r, sampleRate: 2 }\ntools: [{ name: a }, { name: a }]\n',
    );
    const problems = problemsOf({ ...base, AGENT_CONFIG_FILE: bad });
    expect(problems.some((p) => p.includes('judge.sampleRate'))).toBe(true);
    expect(problems.some((p) => p.includes('tool names must be unique'))).toBe(true);
  });
});
