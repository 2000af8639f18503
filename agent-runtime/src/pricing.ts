// Model prices (USD per one million tokens) used for agent_cost_usd_total. The built-in table holds list
// prices of common hosted models at the time of writing; they change, so operators should set the price of
// the model they use, either per model in the agent file (`pricing:`) or for MODEL_NAME through
// MODEL_PRICE_INPUT_PER_MTOK / MODEL_PRICE_OUTPUT_PER_MTOK.
import type { AgentFile } from './agent-config-file.js';

/** Price of one model in USD per one million tokens. */
export interface ModelPrice {
  input: number;
  output: number;
}

export const BUILTIN_PRICES: Readonly<Record<string, ModelPrice>> = {
  'gpt-4o': { input: 2.5, output: 10 },
  'gpt-4o-mini': { input: 0.15, output: 0.6 },
  'gpt-4.1': { input: 2, output: 8 },
  'gpt-4.1-mini': { input: 0.4, output: 1.6 },
  'gpt-4.1-nano': { input: 0.1, output: 0.4 },
  'o4-mini': { input: 1.1, output: 4.4 },
};

/** Exact name first, then the longest table key that prefixes the name (dated snapshots like gpt-4o-2024-08-06). */
function lookup(table: Readonly<Record<string, ModelPrice>>, model: string): ModelPrice | undefined {
  const exact = table[model];
  if (exact) return exact;
  let best: string | undefined;
  for (const key of Object.keys(table)) {
    if (model.startsWith(`${key}-`) && (best === undefined || key.length > best.length)) best = key;
  }
  return best === undefined ? undefined : table[best];
}

/**
 * The price for `model`: the env override wins, then the agent file's table, then the built-in table.
 * `undefined` means unknown; the runtime then counts tokens but no cost.
 */
export function resolvePrice(
  model: string,
  envPrice: ModelPrice | undefined,
  filePrices: AgentFile['pricing'],
): ModelPrice | undefined {
  if (envPrice) return envPrice;
  const fromFile = Object.fromEntries(
    Object.entries(filePrices).map(([k, v]) => [k, { input: v.inputPerMillion, output: v.outputPerMillion }]),
  );
  return lookup(fromFile, model) ?? lookup(BUILTIN_PRICES, model);
}

/** Cost in USD of one call. */
export function costUsd(price: ModelPrice, promptTokens: number, completionTokens: number): number {
  return (promptTokens * price.input + completionTokens * price.output) / 1_000_000;
}
