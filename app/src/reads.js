// Reads: the factory's registry, each vault through VaultLens, token metadata, queued timelock changes.
import abis from "@abis";
import { short } from "./format.js";

const tokenMeta = new Map(); // address -> {symbol, decimals}

export async function tokens(client, addresses) {
  const missing = [...new Set(addresses)].filter((a) => !tokenMeta.has(a.toLowerCase()));
  await Promise.all(
    missing.map(async (address) => {
      const [symbol, decimals] = await Promise.all([
        client.readContract({ address, abi: abis.ERC20, functionName: "symbol" }).catch(() => short(address)),
        client.readContract({ address, abi: abis.ERC20, functionName: "decimals" }),
      ]);
      tokenMeta.set(address.toLowerCase(), { address, symbol, decimals: Number(decimals) });
    })
  );
  return addresses.map((a) => tokenMeta.get(a.toLowerCase()));
}

function read(client, address, abi, functionName, args = []) {
  return client.readContract({ address, abi, functionName, args });
}

/** Every vault in the factory's registry with its lens state, name, symbol, fees and NAV per share. */
export async function listIndices(client, deployment) {
  const count = await read(client, deployment.factory, abis.VaultFactory, "vault_count");
  const addresses = await Promise.all(
    Array.from({ length: Number(count) }, (_, i) =>
      read(client, deployment.factory, abis.VaultFactory, "vaults", [BigInt(i)])
    )
  );
  return Promise.all(addresses.map((vault) => indexSummary(client, deployment, vault)));
}

export async function indexSummary(client, deployment, vault) {
  const [state, name, symbol, fees, nav] = await Promise.all([
    read(client, deployment.lens, abis.VaultLens, "state", [vault]),
    read(client, vault, abis.IndexVault, "name"),
    read(client, vault, abis.IndexVault, "symbol"),
    read(client, vault, abis.IndexVault, "fees"),
    // The oracle may refuse a price (stale, out of band): the rest of the index still shows.
    read(client, deployment.lens, abis.VaultLens, "nav_per_share", [vault]).catch(() => null),
  ]);
  const [management, mint, redeem] = fees;
  return { vault, state, name, symbol, fees: { management, mint, redeem }, navPerShare: nav };
}

/** One index in full: the summary, its basket against targets, the account's position and queued changes. */
export async function indexDetail(client, deployment, vault, account) {
  const summary = await indexSummary(client, deployment, vault);
  const { state } = summary;
  const [meta, vaultQueued, policyQueued, queued] = await Promise.all([
    tokens(client, state.tokens),
    read(client, vault, abis.IndexVault, "queued_count"),
    read(client, state.policy, abis.RebalancePolicy, "changes_queued"),
    queuedChanges(client, deployment, [
      { kind: "vault", address: vault, abi: abis.IndexVault },
      { kind: "policy", address: state.policy, abi: abis.RebalancePolicy },
      { kind: "oracle router", address: state.oracle, abi: abis.OracleRouter },
    ]),
  ]);
  const values = state.tokens.map((_, i) =>
    state.prices.length ? (state.holdings[i] * state.prices[i]) / 10n ** BigInt(meta[i].decimals) : null
  );
  const nav = values.every((v) => v !== null) ? values.reduce((a, b) => a + b, 0n) : null;
  const basket = state.tokens.map((address, i) => ({
    ...meta[i],
    address,
    unit: state.units[i],
    holding: state.holdings[i],
    value: values[i],
    weightBps: nav && nav > 0n ? Number((values[i] * 10_000n) / nav) : null,
    targetBps: Number(state.targets[i]),
  }));
  let position = null;
  if (account) {
    const [shares, balances] = await Promise.all([
      read(client, vault, abis.IndexVault, "balanceOf", [account]),
      Promise.all(state.tokens.map((t) => read(client, t, abis.ERC20, "balanceOf", [account]))),
    ]);
    position = {
      shares,
      balances,
      value: summary.navPerShare === null ? null : (shares * summary.navPerShare) / 10n ** 18n,
    };
  }
  return { ...summary, basket, nav, position, exitWindow: vaultQueued > 0n || policyQueued, queued };
}

/** ChangeQueued events since the deployment's block, still queued (eta != 0), with their state at `now`. */
async function queuedChanges(client, deployment, sources) {
  const fromBlock = BigInt(deployment.block ?? 0);
  const [grace, head] = await Promise.all([
    read(client, sources[0].address, abis.IndexVault, "GRACE_PERIOD"),
    client.getBlock(),
  ]);
  const lists = await Promise.all(
    sources.map(async ({ kind, address, abi }) => {
      const events = await client.getContractEvents({ address, abi, eventName: "ChangeQueued", fromBlock });
      const live = await Promise.all(
        events.map(async (event) => {
          const eta = await read(client, address, abi, "eta", [event.args.id]);
          if (eta === 0n) return null; // executed, cancelled or discarded since
          const status = head.timestamp < eta ? "waiting" : head.timestamp <= eta + grace ? "ready" : "expired";
          return { kind, address, id: event.args.id, action: event.args.action, eta, status };
        })
      );
      // The same change queued again after a cancel has one id and one eta: list it once.
      return [...new Map(live.filter(Boolean).map((change) => [change.id, change])).values()];
    })
  );
  return lists.flat();
}
