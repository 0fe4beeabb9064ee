"""The wallet page (app/) in a real browser: Debian's headless chromium driven by Playwright, with a test wallet
injected as an EIP-1193 provider announced through EIP-6963 (browser_wallet.js + browser_wallet.py: it signs locally with anvil's
TEST::4 key and sends raw transactions, as MetaMask does).

One anvil and one deployed world (`ape run deploy --mock-world`'s, plus two indices) per module; ape snapshots and
reverts the chain around each test, so every flow starts from the same fresh world. Each flow asserts what happened
on chain, not only what the page says, and saves one screenshot under build/app/.
"""

import functools
import http.server
import json
import re
import threading
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path

import pytest
from ape import accounts, chain, project
from browser_wallet import InjectedWallet, rpc
from fixtures.anvil import ALICE, DEPLOYER, FEE_RECIPIENT, GOVERNANCE, GUARDIAN, free_port
from fixtures.vaults import DAY, Limits, Rebalancing
from playwright.sync_api import expect, sync_playwright

from scripts._world import FEED_DECIMALS, MAX_PRICE
from scripts.build_app import build
from scripts.deploy import deploy_protocol

ROOT = Path(__file__).resolve().parents[2]
SHOTS = ROOT / "build" / "app"
CHROMIUM = "/usr/bin/chromium"
ONE = 10**18
# Per whole index token: $100 of each of USDC, WETH and WBTC at the mock world's prices (1, 2,000, 50,000).
BASKET = ("USDC", "WETH", "WBTC")
UNITS = (100 * 10**6, 5 * 10**16, 200_000)
HELD = 10 * ONE  # alice's index tokens at the start of every flow
TIMEOUT_MS = 20_000


@pytest.fixture(scope="module")
def world(anvil):
    """The README's local world, two indices from the factory, and alice holding 10 of the first."""
    deployer = accounts.test_accounts[DEPLOYER]
    deployment, market = deploy_protocol(deployer, "ethereum:local:foundry", mock_world=True)
    factory = project.VaultFactory.at(deployment.factory)
    tokens = {t.symbol(): t for t in market.tokens}
    tokens["PUSD"] = permit_token(deployer, market, tokens["USDC"])
    adapter = deployment.adapters["uniswap_v2"]
    vaults = []
    for name, symbol, fees in (("Test Index", "TIX", (0, 0, 50)), ("Second Index", "SIX", (0, 0, 0))):
        rebalancing = Rebalancing(market.router, len(BASKET), adapters=[adapter], limits=Limits())
        tx = factory.create_vault(
            name, symbol, [tokens[s].address for s in BASKET], list(UNITS), accounts.test_accounts[GOVERNANCE],
            accounts.test_accounts[GUARDIAN], accounts.test_accounts[FEE_RECIPIENT], *fees, DAY,
            rebalancing.as_tuple(), sender=deployer,
        )  # fmt: skip
        vaults.append(project.IndexVault.at(tx.events.filter(factory.VaultCreated)[0].vault))
    alice = accounts.test_accounts[ALICE]
    for vault in vaults:
        for token, owed in zip(BASKET, vault.preview_mint(HELD), strict=True):
            tokens[token].mint(alice, owed, sender=alice)
            tokens[token].approve(vault, owed, sender=alice)
        vault.mint(HELD, alice, sender=alice)
    record = asdict(deployment)
    record["tokens"]["PUSD"] = tokens["PUSD"].address
    zap = project.IndexZap.at(deployment.index_zap)  # the mock world's deploy includes the zap
    return {"deployment": deployment, "record": record, "tokens": tokens, "vault": vaults[0], "second": vaults[1],
            "zap": zap, "uri": anvil.uri}  # fmt: skip


def permit_token(deployer, market, usdc):
    """PUSD: a $1 stablecoin with EIP-2612 permit, priced by the router and pooled against USDC only (so a zap leg
    from it to WETH or WBTC routes through USDC)."""
    token = project.PermitToken.deploy("Permit USD", "PUSD", 6, sender=deployer)
    feed = project.MockAggregator.deploy(FEED_DECIMALS, 10**FEED_DECIMALS, sender=deployer)
    config = (token, feed, DAY, 0, MAX_PRICE)
    market.router.propose_feed(*config, sender=deployer)
    chain.pending_timestamp += market.router.delay()
    market.router.execute_feed(*config, sender=deployer)
    market.refresh()
    feed.set_answer(10**FEED_DECIMALS, sender=deployer)
    market.uniswap.add_liquidity(token, usdc, 10**12, 10**12, deployer)  # $1M a side
    return token


@pytest.fixture(scope="module")
def site():
    """The built page served on a free port (built once per module from app/ and the compiled ABIs)."""
    dist = build()
    handler = functools.partial(_QuietHandler, directory=str(dist))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", free_port()), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def browser():
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=["--no-sandbox"])
        yield browser
        browser.close()


@pytest.fixture
def open_page(browser, site, world, request):
    """open_page(chain_id=None, other_node=False, injected="eip6963") -> (page, wallet): the page with the test wallet
    injected (on `chain_id`, default the node's; `other_node`: its node has another block 0; `injected`: announced
    through EIP-6963, "legacy" as `window.ethereum` only, or "none"), this module's deployment file served as deployments/ethereum-local.json. Saves a screenshot
    named after the test when it ends."""
    pages = []
    alice = accounts.test_accounts[ALICE]
    deployment = json.dumps(world["record"])

    def opener(chain_id: int | None = None, other_node: bool = False, injected: str = "eip6963"):
        wallet = InjectedWallet(world["uri"], alice.private_key, chain_id or chain.chain_id, other_node=other_node)
        context = browser.new_context(viewport={"width": 1200, "height": 900})
        page = context.new_page()
        page.set_default_timeout(TIMEOUT_MS)
        page.on("pageerror", lambda error: errors.append(str(error)))
        if injected != "none":
            page.expose_function("__testWallet", wallet.handle)
            if injected == "legacy":
                page.add_init_script("window.__testWalletLegacy = true")
            page.add_init_script(path=str(Path(__file__).with_name("browser_wallet.js")))
        page.route(
            "**/deployments/*.json", lambda route: route.fulfill(body=deployment, content_type="application/json")
        )
        page.goto(f"{site}/?rpc={world['uri']}")
        pages.append(page)
        return page, wallet

    errors: list[str] = []
    yield opener
    SHOTS.mkdir(parents=True, exist_ok=True)
    for page in pages:
        settled(page)  # what the user sees once the page has read the chain again
        page.screenshot(path=str(SHOTS / f"{request.node.name.removeprefix('test_')}.png"), full_page=True)
        page.context.close()
    assert not errors, f"the page threw: {errors}"


def connect(page):
    page.get_by_role("button", name="Connect Test Wallet").click()
    expect(page.locator("#account")).to_contain_text("Connected: ")


def open_index(page, name: str = "Test Index"):
    page.get_by_role("button", name=f"Open {name}").click()
    expect(page.locator("#index-heading")).to_contain_text(name)


def balances(world, who) -> dict[str, int]:
    return {symbol: world["tokens"][symbol].balanceOf(who) for symbol in BASKET}


def settled(page):
    """The page has read the chain again after the last flow (it is aria-busy until then)."""
    expect(page.locator("body")).not_to_have_attribute("aria-busy", "true")


def finished(page, text: str):
    """The flow says it is done, and the page has read the chain again (it is busy until then)."""
    expect(page.locator("#done")).to_have_text(re.compile(re.escape(text)))
    settled(page)


# ---- connect and browse ------------------------------------------------------------------------------------------


def test_connect__announced_wallet__shows_account_and_position(open_page, world):
    page, wallet = open_page()
    expect(page.locator("#position")).to_have_count(0)
    connect(page)
    expect(page.locator("#account")).to_contain_text(wallet.address)
    open_index(page)
    assert world["vault"].balanceOf(wallet.address) == HELD
    expect(page.locator("#position")).to_contain_text("You hold 10 TIX, worth $3,000.00")
    assert wallet.signing_requests() == []


def test_connect__wallet_on_another_chain__switches_before_signing(open_page, world):
    page, wallet = open_page(chain_id=1)
    connect(page)
    expect(page.locator("#wrong-chain")).to_contain_text(f"this deployment is on chain {chain.chain_id}")
    open_index(page)
    page.fill("#redeem-amount", "1")
    page.click("#redeem-submit")
    expect(page.locator("#error")).to_have_text(f"Switch your wallet to chain {chain.chain_id} first.")
    assert wallet.signing_requests() == [] and world["vault"].balanceOf(wallet.address) == HELD
    settled(page)

    page.get_by_role("button", name=f"Switch wallet to chain {chain.chain_id}").click()
    expect(page.locator("#wrong-chain")).to_have_count(0)
    expect(page.locator("#error")).to_have_text("")
    assert wallet.chain_id == chain.chain_id and "wallet_switchEthereumChain" in wallet.requests
    page.click("#redeem-submit")
    finished(page, "Redeemed 1 TIX.")
    assert world["vault"].balanceOf(wallet.address) == HELD - ONE


def test_connect__wallet_on_another_local_node__refuses_to_sign(open_page, world):
    page, wallet = open_page(other_node=True)  # chain 31337 too, but not the deployment's chain
    connect(page)
    expect(page.locator("#wrong-chain")).to_contain_text("another local chain")
    open_index(page)
    page.fill("#redeem-amount", "1")
    page.click("#redeem-submit")
    expect(page.locator("#error")).to_contain_text("its node is another local chain")
    assert wallet.signing_requests() == [] and world["vault"].balanceOf(wallet.address) == HELD


def test_connect__only_window_ethereum__falls_back_to_it(open_page, world):
    page, wallet = open_page(injected="legacy")
    page.get_by_role("button", name="Connect Browser wallet").click()
    expect(page.locator("#account")).to_contain_text(f"Connected: {wallet.address}")
    open_index(page)
    page.fill("#redeem-amount", "1")
    page.click("#redeem-submit")
    finished(page, "Redeemed 1 TIX.")
    assert world["vault"].balanceOf(wallet.address) == HELD - ONE


def test_browse__no_wallet_at_all__reads_and_refuses_to_sign(open_page, world):
    page, _ = open_page(injected="none")
    expect(page.locator("#wallets")).to_have_text("No browser wallet found: browsing read-only.")
    expect(page.locator("#index-list tbody tr")).to_have_count(2)
    open_index(page)
    page.fill("#redeem-amount", "1")
    page.click("#redeem-submit")
    expect(page.locator("#error")).to_have_text("Connect a wallet first.")
    assert world["vault"].balanceOf(accounts.test_accounts[ALICE]) == HELD


def test_browse__wallet_not_connected__lists_indices_and_basket(open_page, world):
    page, wallet = open_page()
    rows = page.locator("#index-list tbody tr")
    expect(rows).to_have_count(2)
    lens = project.VaultLens.at(world["deployment"].lens)
    for row, vault in zip(("Test Index", "Second Index"), (world["vault"], world["second"]), strict=True):
        nav = lens.nav_per_share(vault)
        assert nav == 300 * ONE  # $100 each of three components at the oracle prices
        expect(rows.filter(has_text=row)).to_contain_text("$300.00")
        expect(rows.filter(has_text=row)).to_contain_text(f"{vault.totalSupply() // ONE} {vault.symbol()}")
    expect(rows.filter(has_text="Test Index")).to_contain_text("redeem 0.50 %")
    expect(rows.filter(has_text="Test Index")).to_contain_text("minting")
    open_index(page)
    basket = page.locator("#index table").first.locator("tbody tr")
    expect(basket).to_have_count(3)
    expect(basket.nth(2)).to_contain_text("0.02 WBTC")  # 10 shares x 0.002 WBTC
    expect(basket.nth(2)).to_contain_text("33.33 %")
    expect(page.locator("#banner")).to_be_hidden()
    unlabelled = page.eval_on_selector_all(
        "input, select", "nodes => nodes.filter(n => !n.labels.length).map(n => n.id)"
    )
    assert unlabelled == [] and page.locator("input").count() >= 12  # every input has a label
    expect(page.get_by_text("No governance change is queued.")).to_be_visible()
    assert wallet.requests == []  # browsing asked the wallet nothing


# ---- mint and redeem in kind -------------------------------------------------------------------------------------


def test_mint_in_kind__approvals_then_mint__pulls_preview_exactly(open_page, world):
    vault, alice = world["vault"], accounts.test_accounts[ALICE]
    shares = 3 * ONE // 2
    owed = dict(zip(BASKET, vault.preview_mint(shares), strict=True))
    for symbol, amount in owed.items():
        world["tokens"][symbol].mint(alice, amount, sender=alice)
    before = balances(world, alice)
    page, wallet = open_page()
    connect(page)
    open_index(page)
    page.fill("#mint-amount", "1.5")
    expect(page.locator("#mint-preview")).to_contain_text("0.003 WBTC")
    page.click("#mint-submit")
    finished(page, "Minted 1.5 TIX.")
    steps = page.locator("#progress li.mined")
    expect(steps).to_have_count(4)  # three exact approvals, then the mint
    expect(steps.nth(0)).to_have_text(re.compile(r"^Approve 150 USDC for the vault"))
    assert vault.balanceOf(alice) == HELD + shares
    after = balances(world, alice)
    assert {s: before[s] - after[s] for s in BASKET} == owed
    assert all(world["tokens"][s].allowance(alice, vault) == 0 for s in BASKET)  # exact approvals, nothing left
    assert wallet.signing_requests() == ["eth_sendTransaction"] * 4
    # Every limit the page set covers the fee-accrual path's margin: (estimate + 40,000) x 1.2, as the scripts do.
    for tx_hash, gas in wallet.sent:
        assert gas >= (chain.provider.get_receipt(tx_hash).gas_used + 40_000) * 12 // 10


def test_mint_in_kind__insufficient_balance__refused_before_any_signature(open_page, world):
    vault, alice = world["vault"], accounts.test_accounts[ALICE]
    nonce = alice.nonce
    page, wallet = open_page()
    connect(page)
    open_index(page)
    page.fill("#mint-amount", "2")  # alice holds no components: the fixture's went into her 10 shares
    page.click("#mint-submit")
    expect(page.locator("#error")).to_contain_text("Not enough USDC: you have 0 USDC, this mint needs 200 USDC.")
    expect(page.locator("#error")).to_contain_text("Not enough WBTC")
    assert wallet.signing_requests() == []  # the wallet was asked for nothing
    assert alice.nonce == nonce and vault.balanceOf(alice) == HELD


def test_redeem_in_kind__skip_wbtc__pays_the_rest_and_forfeits_wbtc(open_page, world):
    vault, alice = world["vault"], accounts.test_accounts[ALICE]
    shares = 2 * ONE
    paid = dict(zip(BASKET, vault.preview_redeem(shares), strict=True))
    before = balances(world, alice)
    page, wallet = open_page()
    # From the keyboard only: Enter on buttons, Space on the checkbox, Enter in the amount submits the form.
    page.get_by_role("button", name="Connect Test Wallet").press("Enter")
    expect(page.locator("#account")).to_contain_text("Connected: ")
    page.get_by_role("button", name="Open Test Index").press("Enter")
    expect(page.locator("#index-heading")).to_be_focused()
    form = page.get_by_role("form", name="Redeem in kind")
    amount = form.get_by_label("Index tokens to redeem (TIX)")
    amount.press_sequentially("2")
    form.get_by_label("Skip WBTC").press("Space")
    expect(page.locator("#redeem-preview")).to_contain_text("skipped (forfeited)")
    amount.press("Enter")
    finished(page, "Redeemed 2 TIX.")
    after = balances(world, alice)
    assert vault.balanceOf(alice) == HELD - shares
    # 0.50 % redeem fee in index tokens: the rest is paid in USDC and WETH, WBTC stays in the vault for the others.
    assert after["USDC"] - before["USDC"] == paid["USDC"] and after["WETH"] - before["WETH"] == paid["WETH"]
    assert after["WBTC"] == before["WBTC"]
    assert wallet.signing_requests() == ["eth_sendTransaction"]


def test_mint_in_kind__paused_after_the_simulation__fails_on_chain_with_the_reason(open_page, world):
    vault, alice, guardian = world["vault"], accounts.test_accounts[ALICE], accounts.test_accounts[GUARDIAN]
    for symbol, amount in zip(BASKET, vault.preview_mint(ONE), strict=True):
        world["tokens"][symbol].mint(alice, amount, sender=alice)
    page, wallet = open_page()

    def guardian_pauses_first(tx: dict):  # lands between the page's simulation and its mint
        if tx["to"].lower() == vault.address.lower() and not vault.mint_paused():
            pause = "0x" + vault.pause_mint.as_transaction(sender=guardian).data.hex().removeprefix("0x")
            rpc(world["uri"], "eth_sendTransaction", [{"from": guardian.address, "to": vault.address, "data": pause}])

    wallet.before_send = guardian_pauses_first
    connect(page)
    open_index(page)
    page.fill("#mint-amount", "1")
    page.click("#mint-submit")
    expect(page.locator("#error")).to_contain_text("index_vault: mint paused (transaction 0x")
    expect(page.locator("#progress li.failed")).to_have_text(re.compile(r"^Mint 1 TIX"))
    expect(page.locator("#progress li.mined")).to_have_count(3)  # the approvals went through
    (mint_hash, _) = wallet.sent[-1]
    assert chain.provider.get_receipt(mint_hash).failed and vault.mint_paused()
    assert vault.balanceOf(alice) == HELD


def test_mint__paused__shows_reason_and_redeem_still_works(open_page, world):
    vault, alice = world["vault"], accounts.test_accounts[ALICE]
    vault.pause_mint(sender=accounts.test_accounts[GUARDIAN])
    for symbol, amount in zip(BASKET, vault.preview_mint(ONE), strict=True):
        world["tokens"][symbol].mint(alice, amount, sender=alice)
    page, wallet = open_page()
    connect(page)
    expect(page.locator("#index-list tbody tr").filter(has_text="Test Index")).to_contain_text("mint paused")
    open_index(page)
    page.fill("#mint-amount", "1")
    page.click("#mint-submit")
    expect(page.locator("#error")).to_have_text("index_vault: mint paused")
    assert wallet.signing_requests() == [] and vault.balanceOf(alice) == HELD
    settled(page)

    page.fill("#redeem-amount", "1")
    page.click("#redeem-submit")
    finished(page, "Redeemed 1 TIX.")
    assert vault.balanceOf(alice) == HELD - ONE


def test_redeem__change_queued__banner_and_fee_free(open_page, world):
    vault, alice = world["vault"], accounts.test_accounts[ALICE]
    tx = vault.propose_fees(0, 0, 100, sender=accounts.test_accounts[GOVERNANCE])
    eta = tx.events.filter(vault.ChangeQueued)[0].eta
    paid = vault.preview_redeem(ONE)
    page, wallet = open_page()
    connect(page)
    open_index(page)
    expect(page.locator("#banner")).to_have_text("A change is queued: redeeming is fee-free until it executes.")
    queued = page.get_by_role("table", name="Queued changes").locator("tbody tr")
    expect(queued).to_have_count(1)
    expect(queued).to_contain_text("set_fees")
    expect(queued).to_contain_text(datetime.fromtimestamp(eta, UTC).strftime("%Y-%m-%d %H:%M:%S UTC"))
    expect(queued).to_contain_text("waiting")
    before = world["tokens"]["USDC"].balanceOf(alice)
    page.fill("#redeem-amount", "1")
    page.click("#redeem-submit")
    finished(page, "Redeemed 1 TIX.")
    # Fee-free: a whole share's worth of USDC, not 99.5 % of it.
    assert world["tokens"]["USDC"].balanceOf(alice) - before == paid[0] == UNITS[0]
    assert vault.balanceOf(accounts.test_accounts[FEE_RECIPIENT]) == 0 and wallet.signing_requests() == [
        "eth_sendTransaction"
    ]


# ---- one token through the zap -----------------------------------------------------------------------------------


def zap_holds_nothing(world):
    zap = world["zap"]
    assert all(world["tokens"][s].balanceOf(zap) == 0 for s in BASKET) and world["vault"].balanceOf(zap) == 0


def test_zap_mint__usdc__mints_shares_within_the_oracle_bound(open_page, world):
    vault, alice, usdc = world["vault"], accounts.test_accounts[ALICE], world["tokens"]["USDC"]
    usdc.mint(alice, 1_000 * 10**6, sender=alice)
    before = {**balances(world, alice), "TIX": vault.balanceOf(alice)}
    page, wallet = open_page()
    connect(page)
    open_index(page)
    page.select_option("#zap-mint-token", label="USDC")
    page.fill("#zap-mint-amount", "1.5")
    expect(page.locator("#zap-mint-quote")).to_contain_text("Oracle value: the pools ask $")
    page.click("#zap-mint-submit")
    finished(page, "Minted 1.5 TIX with USDC.")
    expect(page.locator("#progress li.mined")).to_have_count(2)  # the exact approval, then the zap
    after = balances(world, alice)
    spent = before["USDC"] - after["USDC"]
    assert vault.balanceOf(alice) - before["TIX"] == 3 * ONE // 2
    # $450 of index tokens: the pools' 0.3 % fee and the 0.3 % buffer, within the 1 % the page asked the zap for.
    assert 450 * 10**6 < spent <= 450 * 10**6 * 10_060 // 10_000
    assert after["WETH"] > before["WETH"] and after["WBTC"] > before["WBTC"]  # the buffer's extra, returned
    assert usdc.allowance(alice, world["zap"]) == 0
    zap_holds_nothing(world)
    assert wallet.signing_requests() == ["eth_sendTransaction"] * 2


def test_zap_mint__slippage_tighter_than_the_pools__refused_before_signing(open_page, world):
    alice, usdc = accounts.test_accounts[ALICE], world["tokens"]["USDC"]
    usdc.mint(alice, 1_000 * 10**6, sender=alice)
    page, wallet = open_page()
    connect(page)
    open_index(page)
    page.fill("#zap-mint-amount", "1.5")
    page.fill("#zap-mint-slippage", "10")  # the pools' 0.3 % fee alone is more
    page.click("#zap-mint-submit")
    expect(page.locator("#error")).to_contain_text("above the oracle value, more than your slippage of 0.10 %")
    assert wallet.signing_requests() == [] and usdc.balanceOf(alice) == 1_000 * 10**6


def test_zap_redeem__to_usdc__pays_at_least_min_out(open_page, world):
    vault, alice, usdc = world["vault"], accounts.test_accounts[ALICE], world["tokens"]["USDC"]
    before = usdc.balanceOf(alice)
    page, wallet = open_page()
    connect(page)
    open_index(page)
    page.select_option("#zap-redeem-token", label="USDC")
    page.fill("#zap-redeem-amount", "2")
    expect(page.locator("#zap-redeem-quote")).to_contain_text("at least")
    page.click("#zap-redeem-submit")
    finished(page, "Redeemed 2 TIX to USDC.")
    assert vault.balanceOf(alice) == HELD - 2 * ONE
    received = usdc.balanceOf(alice) - before
    # $600 of components less the 0.50 % redeem fee ($597), sold for USDC through 0.3 % pools.
    assert 597 * 10**6 * 9_900 // 10_000 <= received < 597 * 10**6
    assert vault.allowance(alice, world["zap"]) == 0
    zap_holds_nothing(world)
    assert wallet.signing_requests() == ["eth_sendTransaction"] * 2


def test_zap_mint__permit_token__one_signature_and_one_transaction(open_page, world):
    vault, alice, pusd = world["vault"], accounts.test_accounts[ALICE], world["tokens"]["PUSD"]
    pusd.mint(alice, 1_000 * 10**6, sender=alice)
    page, wallet = open_page()
    connect(page)
    open_index(page)
    page.select_option("#zap-mint-token", label="PUSD")
    page.fill("#zap-mint-amount", "1")
    expect(page.locator("#zap-mint-quote")).to_contain_text("You pay ")
    page.click("#zap-mint-submit")
    finished(page, "Minted 1 TIX with PUSD.")
    expect(page.locator("#progress li.signed")).to_have_text(re.compile(r"^Sign a permit for "))
    expect(page.locator("#progress li.mined")).to_have_text(re.compile(r"^Mint 1 TIX with PUSD"))
    assert vault.balanceOf(alice) == HELD + ONE
    spent = 1_000 * 10**6 - pusd.balanceOf(alice)
    # $300 through PUSD/USDC and then USDC/WETH and USDC/WBTC: two 0.3 % fees on two legs, one on the third.
    assert 300 * 10**6 < spent <= 300 * 10**6 * 10_100 // 10_000
    assert pusd.nonces(alice) == 1 and pusd.allowance(alice, world["zap"]) == 0  # the permit was used up exactly
    zap_holds_nothing(world)
    assert wallet.signing_requests() == ["eth_signTypedData_v4", "eth_sendTransaction"]
