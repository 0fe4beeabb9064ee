// The wallet page: browse indices read-only, connect a wallet (EIP-6963), mint and redeem in kind or with one token.
// Every amount the user signs for is read from the contracts' own previews just before signing.
import { createWalletClient, custom, getAddress, hashDomain, numberToHex, parseSignature, parseUnits } from "viem";
import abis from "@abis";
import { loadConfig } from "./config.js";
import { bps, fmt, short, usd, utc } from "./format.js";
import { indexDetail, listIndices, tokens } from "./reads.js";
import { Progress, TxFailed, reasonOf, send } from "./tx.js";
import { discoverWallets } from "./wallets.js";
import { LEG_BUFFER_BPS, quoteZapMint, quoteZapRedeem, supportsPermit, zapAvailable } from "./zap.js";

const $ = (id) => document.getElementById(id);
const BPS = 10_000n;
const PERMIT_SECONDS = 1_800n;
const EXIT_WINDOW = "A change is queued: redeeming is fee-free until it executes.";

const state = {
  config: null,
  wallet: null,
  account: null,
  walletChain: null,
  walletNodeOk: true,
  vault: null,
  index: null,
  busy: false,
};
const progress = new Progress($("progress"), $("error"));

/** A DOM element: el("td", {class: "num"}, "1.5 WETH"). */
function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === false || value === null || value === undefined) continue;
    if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value === true ? "" : value);
  }
  node.append(...children.flat().filter((c) => c !== null && c !== undefined));
  return node;
}

function table(caption, headers, rows) {
  return el(
    "table",
    {},
    el("caption", { class: "visually-hidden" }, caption),
    el(
      "thead",
      {},
      el(
        "tr",
        {},
        headers.map(([text, cls]) => el("th", { scope: "col", class: cls }, text))
      )
    ),
    el("tbody", {}, rows)
  );
}

/**
 * Replace `container`'s children, keeping what the user typed and ticked and where the keyboard focus was (matched
 * by id): a refresh after a transaction, or a chain or account change, never eats keystrokes or moves the focus.
 */
function redraw(container, ...children) {
  const kept = [...container.querySelectorAll("input, select")].map((input) => [input.id, input.value, input.checked]);
  const focused = container.contains(document.activeElement) ? document.activeElement : null;
  const caret = focused ? [focused.selectionStart ?? null, focused.selectionEnd ?? null] : null;
  container.replaceChildren(...children);
  for (const [id, value, checked] of kept) {
    const input = id && document.getElementById(id);
    if (!input) continue;
    if (input.type === "checkbox") input.checked = checked;
    else input.value = value;
  }
  if (focused?.id) {
    const again = document.getElementById(focused.id);
    again?.focus();
    if (caret[0] !== null && again?.setSelectionRange) again.setSelectionRange(caret[0], caret[1]);
  }
}

// ---- network and wallet ------------------------------------------------------------------------------------------

async function start() {
  try {
    state.config = await loadConfig();
  } catch (error) {
    $("index-list").textContent = error.message;
    return;
  }
  const { deployment, client, local, rpc } = state.config;
  $("network").textContent = `Network: chain ${deployment.chain_id} (${deployment.network}), read through ${rpc}`;
  const nodeChain = await client.getChainId().catch(() => null);
  if (nodeChain !== deployment.chain_id) {
    $("network").className = "wrong";
    $("network").textContent =
      nodeChain === null
        ? `No node answers at ${rpc}: is the chain running (\`make chain\`)?`
        : `The node at ${rpc} is chain ${nodeChain}, not chain ${deployment.chain_id} of ` +
          `deployments/${state.config.name}.json.`;
    $("index-list").textContent = "";
    return;
  }
  if (local && deployment.genesis_hash) {
    // Local chains share a chain id: block 0 tells a restarted chain from another one.
    const genesis = await client.getBlock({ blockNumber: 0n }).catch(() => null);
    if (!genesis || genesis.hash !== deployment.genesis_hash) {
      $("network").className = "wrong";
      $("network").textContent =
        `The node at ${rpc} is not the chain deployments/${state.config.name}.json was ` +
        "written for: start it with `make chain` and deploy, then rebuild the page.";
      $("index-list").textContent = "";
      return;
    }
  }
  discoverWallets(renderWallets);
  await refresh();
}

function renderWallets(found) {
  const box = $("wallets");
  if (state.account) return;
  if (found.length === 0) {
    box.replaceChildren(el("p", { class: "muted" }, "No browser wallet found: browsing read-only."));
    return;
  }
  box.replaceChildren(
    ...found.map((w) => el("button", { type: "button", onclick: () => connect(w) }, `Connect ${w.info.name}`))
  );
}

async function connect(wallet) {
  try {
    const [account] = await wallet.provider.request({ method: "eth_requestAccounts" });
    state.wallet = wallet;
    state.account = getAddress(account);
    state.walletChain = Number(await wallet.provider.request({ method: "eth_chainId" }));
    await checkWalletNode();
    wallet.provider.on?.("chainChanged", async (id) => {
      state.walletChain = Number(id);
      await checkWalletNode();
      renderAccount();
      refresh();
    });
    wallet.provider.on?.("accountsChanged", (accounts) => {
      state.account = accounts.length ? getAddress(accounts[0]) : null;
      renderAccount();
      refresh();
    });
    $("wallets").replaceChildren();
    renderAccount();
    await refresh();
  } catch (error) {
    progress.fail(`Could not connect: ${reasonOf(error)}`);
  }
}

/** On a local chain id, whether the wallet's node is the deployment's chain (block 0), not another local node. */
async function checkWalletNode() {
  const { deployment, local } = state.config;
  state.walletNodeOk = true;
  if (!local || !deployment.genesis_hash || state.walletChain !== deployment.chain_id) return;
  const genesis = await state.wallet.provider
    .request({ method: "eth_getBlockByNumber", params: ["0x0", false] })
    .catch(() => null);
  state.walletNodeOk = genesis?.hash === deployment.genesis_hash;
}

function onRightChain() {
  return state.walletChain === state.config.deployment.chain_id && state.walletNodeOk;
}

function renderAccount() {
  const box = $("account");
  if (!state.account) {
    box.replaceChildren();
    return;
  }
  const want = state.config.deployment.chain_id;
  const parts = [el("span", {}, `Connected: ${state.account} (${state.wallet.info.name}), chain ${state.walletChain}`)];
  if (state.walletChain === want && !state.walletNodeOk) {
    parts.push(
      el(
        "p",
        { class: "short", id: "wrong-chain" },
        `Your wallet's node for chain ${want} is another local chain than the one ` +
          `deployments/${state.config.name}.json was written for: point the wallet at ${state.config.rpc}.`
      )
    );
  } else if (!onRightChain()) {
    parts.push(
      el(
        "p",
        { class: "short", id: "wrong-chain" },
        `Your wallet is on chain ${state.walletChain}; this deployment is on chain ${want}.`
      )
    );
    parts.push(
      el("button", { type: "button", id: "switch-chain", onclick: switchChain }, `Switch wallet to chain ${want}`)
    );
  }
  box.replaceChildren(...parts);
}

async function switchChain() {
  const { chain, rpc } = state.config;
  const provider = state.wallet.provider;
  const chainId = numberToHex(chain.id);
  try {
    await provider.request({ method: "wallet_switchEthereumChain", params: [{ chainId }] });
  } catch (error) {
    if (error?.code !== 4902) return progress.fail(`Could not switch: ${reasonOf(error)}`);
    // The wallet does not know the chain yet: offer it, then switch.
    await provider
      .request({
        method: "wallet_addEthereumChain",
        params: [{ chainId, chainName: chain.name, rpcUrls: [rpc], nativeCurrency: chain.nativeCurrency }],
      })
      .catch((e) => progress.fail(reasonOf(e)));
  }
  state.walletChain = Number(await provider.request({ method: "eth_chainId" }));
  if (onRightChain()) $("error").textContent = "";
  renderAccount();
}

/** What `send` needs, or a sentence saying why the user cannot sign yet. */
function signer() {
  if (!state.account) throw new TxFailed("Connect a wallet first.");
  if (!onRightChain()) {
    throw new TxFailed(
      state.walletNodeOk
        ? `Switch your wallet to chain ${state.config.deployment.chain_id} first.`
        : `Point your wallet at ${state.config.rpc}: its node is another local chain.`
    );
  }
  const wallet = createWalletClient({ chain: state.config.chain, transport: custom(state.wallet.provider) });
  return { client: state.config.client, wallet, account: state.account, chain: state.config.chain };
}

// ---- the indices -------------------------------------------------------------------------------------------------

let refreshes = 0;

/** Read the chain again and redraw; a refresh that a newer one overtook draws nothing (its numbers are older). */
async function refresh() {
  const { client, deployment } = state.config;
  const ticket = ++refreshes;
  try {
    const list = await listIndices(client, deployment);
    const detail = state.vault ? await indexDetail(client, deployment, state.vault, state.account) : null;
    if (ticket !== refreshes) return;
    renderList(list);
    if (detail) {
      state.index = detail;
      renderIndex();
    }
  } catch (error) {
    if (ticket === refreshes) $("index-list").textContent = `Could not read the indices: ${reasonOf(error)}`;
  }
}

function renderList(list) {
  if (list.length === 0) {
    $("index-list").textContent = "No index has been created in this factory yet.";
    return;
  }
  const rows = list.map((ix) =>
    el(
      "tr",
      { "data-vault": ix.vault },
      el(
        "td",
        {},
        el(
          "button",
          {
            type: "button",
            id: `open-${ix.vault}`,
            onclick: () => openIndex(ix.vault),
            "aria-label": `Open ${ix.name}`,
          },
          ix.name
        )
      ),
      el("td", {}, ix.symbol),
      el("td", { class: "num" }, ix.navPerShare === null ? "price unavailable" : usd(ix.navPerShare)),
      el("td", { class: "num" }, fmt(ix.state.supply, 18, ix.symbol)),
      el(
        "td",
        {},
        `management ${bps(ix.fees.management)} a year, mint ${bps(ix.fees.mint)}, redeem ${bps(ix.fees.redeem)}`
      ),
      el("td", { class: ix.state.mint_paused ? "short" : "ok" }, ix.state.mint_paused ? "mint paused" : "minting"),
      el(
        "td",
        { class: ix.state.rebalance_paused ? "short" : "ok" },
        ix.state.rebalance_paused ? "rebalancing paused" : "rebalancing"
      )
    )
  );
  redraw(
    $("index-list"),
    table(
      "Indices",
      [["Name"], ["Symbol"], ["NAV per share", "num"], ["Supply", "num"], ["Fees"], ["Mint"], ["Rebalancing"]],
      rows
    )
  );
}

async function openIndex(vault) {
  state.vault = vault;
  await refresh();
  $("index").querySelector("h2")?.focus();
}

function renderIndex() {
  const ix = state.index;
  const banner = $("banner");
  banner.hidden = !ix.exitWindow;
  banner.textContent = ix.exitWindow ? EXIT_WINDOW : "";

  const basketRows = ix.basket.map((c) =>
    el(
      "tr",
      {},
      el("td", {}, c.symbol),
      el("td", { class: "num" }, fmt(c.holding, c.decimals, c.symbol)),
      el("td", { class: "num" }, c.value === null ? "—" : usd(c.value)),
      el("td", { class: "num" }, c.weightBps === null ? "—" : bps(c.weightBps)),
      el("td", { class: "num" }, bps(c.targetBps))
    )
  );
  const position = ix.position
    ? el(
        "p",
        { id: "position" },
        `You hold ${fmt(ix.position.shares, 18, ix.symbol)}`,
        ix.position.value === null ? "" : `, worth ${usd(ix.position.value)} at oracle prices.`
      )
    : el("p", { class: "muted" }, "Connect a wallet to see your balance.");
  const queued = ix.queued.length
    ? table(
        "Queued changes",
        [["Change"], ["Where"], ["Executable from"], ["Status"]],
        ix.queued.map((q) =>
          el(
            "tr",
            {},
            el("td", {}, q.action),
            el("td", {}, `${q.kind} ${short(q.address)}`),
            el("td", {}, utc(q.eta)),
            el("td", {}, q.status)
          )
        )
      )
    : el("p", { class: "muted" }, "No governance change is queued.");

  $("index").hidden = false;
  redraw(
    $("index"),
    el("h2", { id: "index-heading", tabindex: "-1" }, `${ix.name} (${ix.symbol})`),
    el(
      "p",
      {},
      `NAV ${ix.nav === null ? "unavailable" : usd(ix.nav)}; per share ${
        ix.navPerShare === null ? "unavailable" : usd(ix.navPerShare)
      }; ` + `supply ${fmt(ix.state.supply, 18, ix.symbol)}.`
    ),
    el("h3", {}, "Basket"),
    table(
      "Basket",
      [["Token"], ["Holdings", "num"], ["Value", "num"], ["Weight", "num"], ["Target", "num"]],
      basketRows
    ),
    el("h3", {}, "Your position"),
    position,
    el("h3", {}, "Queued governance changes"),
    queued,
    mintForm(ix),
    redeemForm(ix),
    zapForms(ix)
  );
  showBusy();
}

// ---- mint and redeem in kind -------------------------------------------------------------------------------------

function amountInput(id, label) {
  return [
    el("label", { for: id }, label),
    el("input", { id, name: id, inputmode: "decimal", autocomplete: "off", required: true, placeholder: "0.0" }),
  ];
}

function parseShares(id) {
  const text = $(id).value.trim();
  let amount;
  try {
    amount = parseUnits(text, 18);
  } catch {
    throw new TxFailed(`"${text}" is not an amount.`);
  }
  if (amount <= 0n) throw new TxFailed("Enter an amount above zero.");
  return amount;
}

function mintForm(ix) {
  const preview = el("div", { id: "mint-preview", "aria-live": "polite" });
  const form = el(
    "form",
    {
      id: "mint-form",
      "aria-labelledby": "mint-heading",
      onsubmit: (e) => {
        e.preventDefault();
        run(() => mintInKind());
      },
    },
    el("h3", { id: "mint-heading" }, "Mint in kind"),
    el("p", { class: "muted" }, "Pay every component of the basket; the page approves exactly what the mint pulls."),
    el(
      "div",
      { class: "row" },
      amountInput("mint-amount", `Index tokens to mint (${ix.symbol})`),
      el("button", { type: "submit", id: "mint-submit" }, "Approve and mint")
    ),
    preview
  );
  form.querySelector("input").addEventListener("input", () => previewMint().catch(() => preview.replaceChildren()));
  return form;
}

/** What a mint of the entered amount pulls, against the user's balances and allowances. */
async function mintNeeds(shares) {
  const { client } = state.config;
  const ix = state.index;
  const needs = await client.readContract({
    address: ix.vault,
    abi: abis.IndexVault,
    functionName: "preview_mint",
    args: [shares],
  });
  const [balances, allowances] = state.account
    ? await Promise.all([
        Promise.all(
          ix.state.tokens.map((t) =>
            client.readContract({ address: t, abi: abis.ERC20, functionName: "balanceOf", args: [state.account] })
          )
        ),
        Promise.all(
          ix.state.tokens.map((t) =>
            client.readContract({
              address: t,
              abi: abis.ERC20,
              functionName: "allowance",
              args: [state.account, ix.vault],
            })
          )
        ),
      ])
    : [null, null];
  return ix.basket.map((c, i) => ({
    ...c,
    need: needs[i],
    balance: balances?.[i] ?? null,
    allowance: allowances?.[i] ?? 0n,
  }));
}

async function previewMint() {
  const shares = parseShares("mint-amount");
  const rows = (await mintNeeds(shares)).map((c) =>
    el(
      "tr",
      {},
      el("td", {}, c.symbol),
      el("td", { class: "num" }, fmt(c.need, c.decimals, c.symbol, { up: true })),
      el(
        "td",
        { class: `num ${c.balance !== null && c.balance < c.need ? "short" : ""}` },
        c.balance === null ? "—" : fmt(c.balance, c.decimals, c.symbol)
      ),
      el("td", { class: "num" }, fmt(c.allowance, c.decimals, c.symbol))
    )
  );
  $("mint-preview").replaceChildren(
    table("What the mint pulls", [["Component"], ["Needed", "num"], ["You have", "num"], ["Approved", "num"]], rows)
  );
}

async function mintInKind() {
  const ix = state.index;
  const shares = parseShares("mint-amount");
  const ctx = signer();
  const needs = await mintNeeds(shares);
  // Refused before anything is signed: the wallet is asked for nothing when a balance falls short.
  const lacking = needs.filter((c) => c.balance < c.need);
  if (lacking.length) {
    throw new TxFailed(
      lacking
        .map(
          (c) =>
            `Not enough ${c.symbol}: you have ${fmt(c.balance, c.decimals, c.symbol)}, ` +
            `this mint needs ${fmt(c.need, c.decimals, c.symbol, { up: true })}.`
        )
        .join(" ")
    );
  }
  const mint = { address: ix.vault, abi: abis.IndexVault, functionName: "mint", args: [shares, state.account] };
  if (await ctx.client.readContract({ address: ix.vault, abi: abis.IndexVault, functionName: "mint_paused" })) {
    // Simulated first, so the user reads the contract's own reason before approving anything.
    await ctx.client.simulateContract({ ...mint, account: state.account }).catch((error) => {
      throw new TxFailed(reasonOf(error));
    });
  }
  const approvals = needs.filter((c) => c.allowance < c.need);
  const items = progress.plan([
    ...approvals.map((c) => `Approve ${fmt(c.need, c.decimals, c.symbol, { exact: true })} for the vault`),
    `Mint ${fmt(shares, 18, ix.symbol)}`,
  ]);
  for (const [i, c] of approvals.entries()) {
    await send(
      ctx,
      { address: c.address, abi: abis.ERC20, functionName: "approve", args: [ix.vault, c.need] },
      items[i]
    );
  }
  await send(ctx, mint, items[items.length - 1]);
  // With a management fee the mined mint can pull a little less than its preview: no allowance is left behind.
  const leftovers = (await mintNeeds(shares)).filter((c, i) => approvals.includes(needs[i]) && c.allowance > 0n);
  for (const c of leftovers) {
    const item = el("li", {}, `Reset the ${c.symbol} allowance left over`);
    progress.list.append(item);
    await send(ctx, { address: c.address, abi: abis.ERC20, functionName: "approve", args: [ix.vault, 0n] }, item);
  }
  return `Minted ${fmt(shares, 18, ix.symbol)}.`;
}

function skipBoxes(ix, prefix) {
  return el(
    "fieldset",
    {},
    el("legend", {}, "Skip frozen components (their share goes to the remaining holders)"),
    ix.basket.map((c) =>
      el(
        "span",
        {},
        el("input", { type: "checkbox", id: `${prefix}-skip-${c.symbol}`, value: c.address, "data-skip": prefix }),
        el("label", { for: `${prefix}-skip-${c.symbol}` }, `Skip ${c.symbol}`)
      )
    )
  );
}

function skipped(prefix) {
  return [...document.querySelectorAll(`input[data-skip="${prefix}"]:checked`)].map((box) => box.value);
}

function redeemForm(ix) {
  const preview = el("div", { id: "redeem-preview", "aria-live": "polite" });
  const form = el(
    "form",
    {
      id: "redeem-form",
      "aria-labelledby": "redeem-heading",
      onsubmit: (e) => {
        e.preventDefault();
        run(() => redeemInKind());
      },
    },
    el("h3", { id: "redeem-heading" }, "Redeem in kind"),
    el(
      "p",
      { class: "muted" },
      `Redeem fee ${bps(ix.fees.redeem)}${
        ix.exitWindow ? ", waived now: a change is queued" : ""
      }. Redeeming is never paused.`
    ),
    el(
      "div",
      { class: "row" },
      amountInput("redeem-amount", `Index tokens to redeem (${ix.symbol})`),
      el("button", { type: "submit", id: "redeem-submit" }, "Redeem")
    ),
    skipBoxes(ix, "redeem"),
    preview
  );
  form.addEventListener("input", () => previewRedeem().catch(() => preview.replaceChildren()));
  return form;
}

async function redeemPayout(shares, skip) {
  const ix = state.index;
  const paid = await state.config.client.readContract({
    address: ix.vault,
    abi: abis.IndexVault,
    functionName: "preview_redeem",
    args: [shares],
  });
  return ix.basket.map((c, i) => ({
    ...c,
    out: skip.includes(c.address) ? 0n : paid[i],
    skipped: skip.includes(c.address),
  }));
}

async function previewRedeem() {
  const rows = (await redeemPayout(parseShares("redeem-amount"), skipped("redeem"))).map((c) =>
    el(
      "tr",
      {},
      el("td", {}, c.symbol),
      el("td", { class: "num" }, c.skipped ? "skipped (forfeited)" : fmt(c.out, c.decimals, c.symbol))
    )
  );
  $("redeem-preview").replaceChildren(
    el("p", {}, "You receive at least:"),
    table("What the redeem pays", [["Component"], ["Amount", "num"]], rows)
  );
}

async function checkShares(shares) {
  const ix = state.index;
  const balance = await state.config.client.readContract({
    address: ix.vault,
    abi: abis.IndexVault,
    functionName: "balanceOf",
    args: [state.account],
  });
  if (balance < shares) {
    throw new TxFailed(
      `Not enough ${ix.symbol}: you have ${fmt(balance, 18, ix.symbol)}, you asked to redeem ${fmt(
        shares,
        18,
        ix.symbol
      )}.`
    );
  }
}

async function redeemInKind() {
  const ix = state.index;
  const shares = parseShares("redeem-amount");
  const ctx = signer();
  await checkShares(shares);
  const skip = skipped("redeem");
  await previewRedeem();
  const [item] = progress.plan([
    `Redeem ${fmt(shares, 18, ix.symbol)}${skip.length ? ` skipping ${skip.length} component(s)` : ""}`,
  ]);
  await send(
    ctx,
    { address: ix.vault, abi: abis.IndexVault, functionName: "redeem", args: [shares, state.account, skip] },
    item
  );
  return `Redeemed ${fmt(shares, 18, ix.symbol)}.`;
}

// ---- one token through the zap -----------------------------------------------------------------------------------

function zapTokens(ix) {
  // The basket's tokens and the deployment's named tokens: the zap routes through the vault's allowed adapter.
  const named = Object.entries(state.config.deployment.tokens ?? {}).map(([symbol, address]) => ({ symbol, address }));
  const seen = new Map(named.map((t) => [t.address.toLowerCase(), t]));
  for (const c of ix.basket) seen.set(c.address.toLowerCase(), { symbol: c.symbol, address: c.address });
  return [...seen.values()];
}

function tokenSelect(id, label, options) {
  return [
    el("label", { for: id }, label),
    el(
      "select",
      { id, name: id },
      options.map((t) => el("option", { value: t.address, selected: t.symbol === "USDC" }, t.symbol))
    ),
  ];
}

function slippageInput(id) {
  return [
    el("label", { for: id }, "Max slippage vs oracle (bps)"),
    el("input", { id, name: id, type: "number", min: "1", max: "1000", step: "1", value: "200", required: true }),
  ];
}

function zapForms(ix) {
  if (!zapAvailable(state.config.deployment)) {
    return el(
      "section",
      { id: "zap-missing" },
      el("h3", {}, "One-token mint and redeem"),
      el("p", { class: "muted" }, "No zap is deployed on this network: mint and redeem in kind.")
    );
  }
  const options = zapTokens(ix);
  const mint = el(
    "form",
    {
      id: "zap-mint-form",
      "aria-labelledby": "zap-mint-heading",
      onsubmit: (e) => {
        e.preventDefault();
        run(() => zapMint());
      },
    },
    el("h3", { id: "zap-mint-heading" }, "Mint with one token"),
    el(
      "div",
      { class: "row" },
      tokenSelect("zap-mint-token", "Pay with", options),
      amountInput("zap-mint-amount", `Index tokens to mint (${ix.symbol})`),
      slippageInput("zap-mint-slippage"),
      el("button", { type: "submit", id: "zap-mint-submit" }, "Mint")
    ),
    el("div", { id: "zap-mint-quote", "aria-live": "polite" })
  );
  mint.addEventListener("input", () =>
    zapMintQuote()
      .then(showQuote("zap-mint-quote"))
      .catch(() => $("zap-mint-quote").replaceChildren())
  );
  const redeem = el(
    "form",
    {
      id: "zap-redeem-form",
      "aria-labelledby": "zap-redeem-heading",
      onsubmit: (e) => {
        e.preventDefault();
        run(() => zapRedeem());
      },
    },
    el("h3", { id: "zap-redeem-heading" }, "Redeem to one token"),
    el(
      "div",
      { class: "row" },
      tokenSelect("zap-redeem-token", "Receive", options),
      amountInput("zap-redeem-amount", `Index tokens to redeem (${ix.symbol})`),
      slippageInput("zap-redeem-slippage"),
      el("button", { type: "submit", id: "zap-redeem-submit" }, "Redeem")
    ),
    skipBoxes(ix, "zap-redeem"),
    el("div", { id: "zap-redeem-quote", "aria-live": "polite" })
  );
  redeem.addEventListener("input", () =>
    zapRedeemQuote()
      .then(showQuote("zap-redeem-quote"))
      .catch(() => $("zap-redeem-quote").replaceChildren())
  );
  return el("section", { id: "zap" }, mint, redeem);
}

function slippageBps(id) {
  const value = BigInt($(id).value || "0");
  if (value <= 0n || value > 1_000n) throw new TxFailed("Slippage must be between 1 and 1000 bps.");
  return value;
}

async function zapMintQuote() {
  const ix = state.index;
  const shares = parseShares("zap-mint-amount");
  const [token] = await tokens(state.config.client, [$("zap-mint-token").value]);
  const quote = await quoteZapMint(state.config, ix, token.address, shares);
  // The pools' price against the oracle's, without the buffer (whose extra components come back): what the
  // zap's oracle bound (max_slippage) checks.
  const premium = quote.valueOut ? Number(((quote.valueQuoted - quote.valueOut) * 10_000n) / quote.valueOut) : null;
  return {
    ...quote,
    token,
    shares,
    premium,
    lines: [
      `You pay ${fmt(quote.maxIn, token.decimals, token.symbol, { up: true })} for ${fmt(
        shares,
        18,
        ix.symbol
      )}: the pools' ` +
        `quote of ${fmt(quote.quoted, token.decimals, token.symbol, { up: true })} plus ${bps(
          LEG_BUFFER_BPS
        )} a leg, whose ` +
        "extra components come back to you.",
      `Oracle value: the pools ask ${usd(quote.valueQuoted)} for index tokens worth ${
        quote.valueOut === null ? "—" : usd(quote.valueOut)
      }` +
        `${
          premium === null ? "" : ` (${bps(premium)} above the oracle)`
        }; the zap refuses more than the slippage you set.`,
    ],
  };
}

async function zapRedeemQuote() {
  const ix = state.index;
  const shares = parseShares("zap-redeem-amount");
  const [token] = await tokens(state.config.client, [$("zap-redeem-token").value]);
  const slippage = slippageBps("zap-redeem-slippage");
  const quote = await quoteZapRedeem(state.config, ix, token.address, shares, skipped("zap-redeem"));
  const minOut = (quote.quoted * (BPS - slippage)) / BPS;
  const discount = quote.valueIn ? Number(((quote.valueIn - quote.valueOut) * 10_000n) / quote.valueIn) : null;
  return {
    ...quote,
    token,
    shares,
    minOut,
    discount,
    lines: [
      `You receive about ${fmt(quote.quoted, token.decimals, token.symbol)}, at least ${fmt(
        minOut,
        token.decimals,
        token.symbol
      )}.`,
      `Oracle value: the components redeemed are worth ${usd(quote.valueIn)}, the pools pay ${usd(quote.valueOut)}` +
        `${discount === null ? "" : ` (${bps(discount)} below the oracle)`}.`,
    ],
  };
}

const showQuote = (id) => (quote) => $(id).replaceChildren(...quote.lines.map((line) => el("p", {}, line)));

async function permitSignature(ctx, token, spender, value) {
  const { client } = ctx;
  const [name, nonce, separator] = await Promise.all([
    client.readContract({ address: token, abi: abis.ERC20, functionName: "name" }),
    client.readContract({ address: token, abi: abis.ERC20, functionName: "nonces", args: [state.account] }),
    client.readContract({ address: token, abi: abis.ERC20, functionName: "DOMAIN_SEPARATOR" }),
  ]);
  const declared = await client
    .readContract({ address: token, abi: abis.ERC20, functionName: "eip712Domain" })
    .catch(() => null);
  // The domain whose hash is the token's own separator: never sign a permit the token would not accept.
  const domain = [declared?.[2], "1", "2"]
    .filter(Boolean)
    .map((version) => ({ name: declared?.[1] ?? name, version, chainId: ctx.chain.id, verifyingContract: token }))
    .find(
      (d) =>
        hashDomain({
          domain: d,
          types: {
            EIP712Domain: [
              { name: "name", type: "string" },
              { name: "version", type: "string" },
              { name: "chainId", type: "uint256" },
              { name: "verifyingContract", type: "address" },
            ],
          },
        }) === separator
    );
  if (!domain) return null;
  const deadline = (await client.getBlock()).timestamp + PERMIT_SECONDS;
  const signature = await ctx.wallet.signTypedData({
    account: state.account,
    domain,
    primaryType: "Permit",
    types: {
      Permit: [
        { name: "owner", type: "address" },
        { name: "spender", type: "address" },
        { name: "value", type: "uint256" },
        { name: "nonce", type: "uint256" },
        { name: "deadline", type: "uint256" },
      ],
    },
    message: { owner: state.account, spender, value, nonce, deadline },
  });
  const { v, r, s } = parseSignature(signature);
  return { deadline, v: Number(v), r, s };
}

async function zapMint() {
  const ix = state.index;
  const ctx = signer();
  const zap = state.config.deployment.index_zap;
  const quote = await zapMintQuote();
  showQuote("zap-mint-quote")(quote);
  const slippage = slippageBps("zap-mint-slippage");
  const { token, shares, maxIn, legs } = quote;
  if (quote.premium !== null && BigInt(quote.premium) > slippage) {
    throw new TxFailed(
      `The pools ask ${bps(quote.premium)} above the oracle value, more than your slippage of ${bps(slippage)}.`
    );
  }
  const balance = await ctx.client.readContract({
    address: token.address,
    abi: abis.ERC20,
    functionName: "balanceOf",
    args: [state.account],
  });
  if (balance < maxIn) {
    throw new TxFailed(
      `Not enough ${token.symbol}: you have ${fmt(balance, token.decimals, token.symbol)}, this mint may use ` +
        `${fmt(maxIn, token.decimals, token.symbol, { up: true })}.`
    );
  }
  const args = [ix.vault, shares, token.address, maxIn, legs, slippage, state.account];
  const allowance = await ctx.client.readContract({
    address: token.address,
    abi: abis.ERC20,
    functionName: "allowance",
    args: [state.account, zap],
  });
  if (allowance < maxIn && (await supportsPermit(ctx.client, token.address, state.account))) {
    const items = progress.plan([
      `Sign a permit for ${fmt(maxIn, token.decimals, token.symbol, { up: true })}`,
      `Mint ${fmt(shares, 18, ix.symbol)} with ${token.symbol}`,
    ]);
    items[0].className = "waiting";
    const permit = await permitSignature(ctx, token.address, zap, maxIn).catch((error) => {
      items[0].className = "failed";
      throw new TxFailed(reasonOf(error));
    });
    if (permit) {
      items[0].className = "signed";
      await send(
        ctx,
        {
          address: zap,
          abi: abis.IndexZap,
          functionName: "mint_with_permit",
          args: [...args, permit.deadline, permit.v, permit.r, permit.s],
        },
        items[1]
      );
      return `Minted ${fmt(shares, 18, ix.symbol)} with ${token.symbol}.`;
    }
  }
  const steps =
    allowance < maxIn ? [`Approve ${fmt(maxIn, token.decimals, token.symbol, { exact: true })} for the zap`] : [];
  const items = progress.plan([...steps, `Mint ${fmt(shares, 18, ix.symbol)} with ${token.symbol}`]);
  if (steps.length)
    await send(ctx, { address: token.address, abi: abis.ERC20, functionName: "approve", args: [zap, maxIn] }, items[0]);
  await send(ctx, { address: zap, abi: abis.IndexZap, functionName: "mint", args }, items[items.length - 1]);
  // The zap pulls exactly the legs' input; if the vault owed a little less of the input itself by the time the mint
  // was mined (fee accrual), the allowance left over is set back to zero.
  const left = await ctx.client.readContract({
    address: token.address,
    abi: abis.ERC20,
    functionName: "allowance",
    args: [state.account, zap],
  });
  if (steps.length && left > 0n) {
    const item = el("li", {}, `Reset the ${token.symbol} allowance left over`);
    progress.list.append(item);
    await send(ctx, { address: token.address, abi: abis.ERC20, functionName: "approve", args: [zap, 0n] }, item);
  }
  return `Minted ${fmt(shares, 18, ix.symbol)} with ${token.symbol}.`;
}

async function zapRedeem() {
  const ix = state.index;
  const ctx = signer();
  const zap = state.config.deployment.index_zap;
  const quote = await zapRedeemQuote();
  showQuote("zap-redeem-quote")(quote);
  const { token, shares, minOut, legs } = quote;
  await checkShares(shares);
  const slippage = slippageBps("zap-redeem-slippage");
  if (quote.discount !== null && BigInt(quote.discount) > slippage) {
    throw new TxFailed(
      `The pools pay ${bps(quote.discount)} below the oracle value, more than your slippage of ${bps(slippage)}.`
    );
  }
  const allowance = await ctx.client.readContract({
    address: ix.vault,
    abi: abis.IndexVault,
    functionName: "allowance",
    args: [state.account, zap],
  });
  const steps = allowance < shares ? [`Approve ${fmt(shares, 18, ix.symbol, { exact: true })} for the zap`] : [];
  const items = progress.plan([
    ...steps,
    `Redeem ${fmt(shares, 18, ix.symbol)} to ${token.symbol} (at least ${fmt(minOut, token.decimals, token.symbol)})`,
  ]);
  if (steps.length)
    await send(
      ctx,
      { address: ix.vault, abi: abis.IndexVault, functionName: "approve", args: [zap, shares] },
      items[0]
    );
  await send(
    ctx,
    {
      address: zap,
      abi: abis.IndexZap,
      functionName: "redeem",
      args: [ix.vault, shares, token.address, minOut, legs, skipped("zap-redeem"), slippage, state.account],
    },
    items[items.length - 1]
  );
  return `Redeemed ${fmt(shares, 18, ix.symbol)} to ${token.symbol}.`;
}

// ---- running a flow ----------------------------------------------------------------------------------------------

/** While a flow runs, and until the page has read the chain again after it, every submit button is disabled. */
function showBusy() {
  for (const button of document.querySelectorAll("#index button[type=submit]")) button.disabled = state.busy;
  if (state.busy) document.body.setAttribute("aria-busy", "true");
  else document.body.removeAttribute("aria-busy");
}

/** One flow at a time; its outcome in words, then fresh numbers from the chain. */
async function run(flow) {
  if (state.busy) return;
  state.busy = true;
  showBusy();
  progress.plan([]);
  $("done").textContent = "";
  try {
    $("done").textContent = await flow();
    // Done: the amounts are cleared, so a second click cannot repeat the flow by accident.
    for (const input of document.querySelectorAll("#index input[inputmode=decimal]")) input.value = "";
  } catch (error) {
    progress.fail(error instanceof TxFailed ? error.message : reasonOf(error));
  } finally {
    await refresh();
    state.busy = false;
    showBusy();
  }
}

start();
