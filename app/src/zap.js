// One-token flows through IndexZap (contracts/IndexZap.vy): legs built here from the Uniswap V2 router's quotes, one
// leg per component in the vault's basket order. The zap checks every leg against the vault's oracle
// (max_slippage), buys at least what preview_mint owes of each component, and sends the components bought beyond
// that back to the caller; the quotes here only size the legs and the bounds the user signs.
import { encodeAbiParameters, zeroAddress } from "viem";
import abis from "@abis";

// What a mint leg sells beyond the pool's exact quote (getAmountsIn), so a small pool move between the quote and
// the block does not leave a leg short. It is not lost: the extra component bought comes back to the caller.
export const LEG_BUFFER_BPS = 30n;
const BPS = 10_000n;

export const zapAvailable = (deployment) => Boolean(abis.IndexZap && deployment.index_zap);

// Tokens a leg may route through when its two ends have no pool of their own (scripts/_zap.py does the same).
const HUB_SYMBOLS = ["USDC", "WETH"];

function encodePath(path) {
  return encodeAbiParameters([{ type: "address[]" }], [path]);
}

function hubs(deployment) {
  const named = HUB_SYMBOLS.map((symbol) => deployment.tokens?.[symbol]).filter(Boolean);
  return [...new Set([...named, deployment.uniswap?.weth].filter(Boolean))];
}

/**
 * The route for one leg and its quote: the direct pool if it quotes, else the best route through a hub. `exactOut`
 * asks getAmountsIn (mint: the input needed for `amount` of the component), otherwise getAmountsOut (redeem).
 * A pair that does not exist makes its quote revert, so it is simply not a candidate.
 */
async function route({ client, deployment }, from, to, amount, exactOut) {
  const quote = async (path) => {
    const functionName = exactOut ? "getAmountsIn" : "getAmountsOut";
    const amounts = await client.readContract({
      address: deployment.uniswap.router,
      abi: abis.UniswapV2Router02,
      functionName,
      args: [amount, path],
    });
    return { path, amount: exactOut ? amounts[0] : amounts[amounts.length - 1] };
  };
  const direct = await quote([from, to]).catch(() => null);
  if (direct) return direct;
  const candidates = hubs(deployment).filter((hub) => !same(hub, from) && !same(hub, to));
  const quoted = (await Promise.all(candidates.map((hub) => quote([from, hub, to]).catch(() => null)))).filter(Boolean);
  if (!quoted.length)
    throw new Error(`no Uniswap V2 route for this token (directly or through ${HUB_SYMBOLS.join(" or ")})`);
  return quoted.reduce((best, q) => ((exactOut ? q.amount < best.amount : q.amount > best.amount) ? q : best));
}

function same(a, b) {
  return a.toLowerCase() === b.toLowerCase();
}

/**
 * Mint `shares` paying `tokenIn`: for each component, the input the pool needs to buy what preview_mint pulls
 * (getAmountsIn) plus the buffer. `maxIn` is exactly what the zap will pull (the legs plus what the vault owes of
 * the input itself). Returns {legs, maxIn, quoted, valueIn, valueQuoted, valueOut}: the oracle values of the input
 * pulled, of the pools' quote, and of the shares.
 */
export async function quoteZapMint({ client, deployment }, index, tokenIn, shares) {
  const adapter = deployment.adapters.uniswap_v2;
  const needs = await client.readContract({
    address: index.vault,
    abi: abis.IndexVault,
    functionName: "preview_mint",
    args: [shares],
  });
  const legs = await Promise.all(
    index.state.tokens.map(async (token, i) => {
      // The input itself is kept unswapped: the zap counts what the vault owes of it into the amount it pulls.
      if (same(token, tokenIn)) return { adapter: zeroAddress, data: "0x", amount_in: needs[i], quoted: needs[i] };
      if (needs[i] === 0n) return { adapter: zeroAddress, data: "0x", amount_in: 0n, quoted: 0n };
      const { path, amount: quoted } = await route({ client, deployment }, tokenIn, token, needs[i], true);
      // Rounded up: the buffer is never smaller than it says.
      return { adapter, data: encodePath(path), amount_in: (quoted * (BPS + LEG_BUFFER_BPS) + BPS - 1n) / BPS, quoted };
    })
  );
  const quoted = legs.reduce((sum, leg) => sum + leg.quoted, 0n);
  const maxIn = legs.reduce((sum, leg) => sum + leg.amount_in, 0n);
  const value = (amount) =>
    client.readContract({
      address: index.state.oracle,
      abi: abis.OracleRouter,
      functionName: "value",
      args: [tokenIn, amount],
    });
  const [valueIn, valueQuoted] = await Promise.all([value(maxIn), value(quoted)]);
  const valueOut = index.navPerShare === null ? null : (shares * index.navPerShare) / 10n ** 18n;
  return { legs: legs.map(({ quoted: _, ...leg }) => leg), maxIn, quoted, valueIn, valueQuoted, valueOut };
}

/**
 * Redeem `shares` to `tokenOut`: what preview_redeem pays of each component not skipped, sold through its pool
 * (getAmountsOut). Returns {legs, quoted, valueIn, valueOut}: the oracle values of the components the vault pays
 * and of the quoted output.
 */
export async function quoteZapRedeem({ client, deployment }, index, tokenOut, shares, skip) {
  const adapter = deployment.adapters.uniswap_v2;
  const paid = await client.readContract({
    address: index.vault,
    abi: abis.IndexVault,
    functionName: "preview_redeem",
    args: [shares],
  });
  // amount_in is ignored on redeem: each leg sells all the vault paid of its component.
  const planned = await Promise.all(
    index.state.tokens.map(async (token, i) => {
      const none = { adapter: zeroAddress, data: "0x", amount_in: 0n };
      if (skip.some((s) => same(s, token)) || paid[i] === 0n) return { leg: none, out: 0n };
      if (same(token, tokenOut)) return { leg: none, out: paid[i] };
      const { path, amount } = await route({ client, deployment }, token, tokenOut, paid[i], false);
      return { leg: { adapter, data: encodePath(path), amount_in: 0n }, out: amount };
    })
  );
  const legs = planned.map((p) => p.leg);
  const quoted = planned.reduce((sum, p) => sum + p.out, 0n);
  const received = index.state.tokens.map((token, i) => (skip.some((s) => same(s, token)) ? 0n : paid[i]));
  const [valueOut, valuesIn] = await Promise.all([
    client.readContract({
      address: index.state.oracle,
      abi: abis.OracleRouter,
      functionName: "value",
      args: [tokenOut, quoted],
    }),
    client.readContract({
      address: index.state.oracle,
      abi: abis.OracleRouter,
      functionName: "values",
      args: [index.state.tokens, received],
    }),
  ]);
  return { legs, quoted, valueIn: valuesIn.reduce((a, b) => a + b, 0n), valueOut };
}

/** Whether `token` takes EIP-2612 permits: it answers `nonces(owner)` and `DOMAIN_SEPARATOR()`. */
export async function supportsPermit(client, token, owner) {
  try {
    await Promise.all([
      client.readContract({ address: token, abi: abis.ERC20, functionName: "nonces", args: [owner] }),
      client.readContract({ address: token, abi: abis.ERC20, functionName: "DOMAIN_SEPARATOR" }),
    ]);
    return true;
  } catch {
    return false;
  }
}
