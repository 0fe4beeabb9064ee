"""`mint --with` / `redeem --to` (through the IndexZap) and `deploy --weth`, as users run them: click commands
in-process on ape's test chain, over the market fixture (USDC, WETH, WBTC on real Uniswap V2 pools)."""

import pytest
from click.testing import CliRunner

from keeper.deployment import Deployment, load_deployment, save_deployment
from scripts import _zap, deploy, mint, redeem

NETWORK = ["--network", "ethereum:local:test"]
ONE = 10**18
USDC = 10**6


def run(command, *args: str):
    return CliRunner().invoke(command.cli, [*args, *NETWORK], catch_exceptions=False)


@pytest.fixture(scope="module")
def zap(project, deployer, uniswap):
    return project.IndexZap.deploy(uniswap.weth, sender=deployer)


def write_deployment(path, market, factory, uniswap, deployer, zap_address: str):
    lens = deploy.project.VaultLens.deploy(sender=deployer)
    deployment = Deployment(
        network="ethereum:local", chain_id=deploy.chain.chain_id, deployer=deployer.address,
        oracle_router=market.router.address, vault_blueprint=factory.VAULT_BLUEPRINT(),
        policy_blueprint=factory.POLICY_BLUEPRINT(), factory=factory.address, lens=lens.address,
        adapters={"uniswap_v2": market.adapter.address}, tokens={t.symbol(): t.address for t in market.tokens},
        feeds={t.symbol(): f.address for t, f in zip(market.tokens, market.feeds, strict=True)},
        uniswap={"factory": uniswap.factory.address, "router": uniswap.router.address, "weth": uniswap.weth.address},
        genesis_hash=deploy.chain.provider.web3.eth.get_block(0)["hash"].to_0x_hex(),
        block=deploy.chain.blocks.head.number, index_zap=zap_address,
    )  # fmt: skip
    save_deployment(deployment, path)
    return ["--deployment", str(path)]


@pytest.fixture
def dep(tmp_path, market, factory, uniswap, deployer, zap):
    """The --deployment option, for a deployment with the zap."""
    return write_deployment(tmp_path / "deployment.json", market, factory, uniswap, deployer, zap.address)


@pytest.fixture
def usdc_only(market, alice):
    """alice (TEST::4) also holds 10,000 USDC."""
    market.tokens[0].mint(alice, 10_000 * USDC, sender=alice)
    return alice


def test_mint_with__usdc__shows_routes_and_mints_leaving_no_allowance(managed_vault, usdc_only, market, zap, dep):
    usdc = market.tokens[0]
    before = usdc.balanceOf(usdc_only)

    result = run(mint, "--vault", managed_vault.address, "--amount", "1", "--with", "USDC", "--max-in", "1100",
                 "--yes", "--account", "TEST::4", *dep)  # fmt: skip

    assert result.exit_code == 0, result.output
    assert managed_vault.balanceOf(usdc_only) == 101 * ONE
    assert "USDC -> WETH" in result.output and "USDC -> WBTC" in result.output and "unswapped" in result.output
    assert "slippage" in result.output and "oracle prices" in result.output
    assert "minted 1 TIDX through the zap" in result.output
    # A $1,000 share: $400 of USDC unswapped, $600 bought with a 0.3 % buffer and a 0.3 % pool fee.
    assert 1_000 * USDC < before - usdc.balanceOf(usdc_only) < 1_005 * USDC
    assert usdc.allowance(usdc_only, zap) == 0


def test_mint_with__max_in_below_the_quote__exits_1_and_sends_nothing(managed_vault, usdc_only, dep):
    nonce = usdc_only.nonce

    result = run(mint, "--vault", managed_vault.address, "--amount", "1", "--with", "USDC", "--max-in", "900",
                 "--yes", "--account", "TEST::4", *dep)  # fmt: skip

    assert result.exit_code == 1
    assert "more than --max-in 900 USDC" in result.output
    assert usdc_only.nonce == nonce


def test_mint_with__exact_in__spends_exactly_and_mints_at_least_amount(managed_vault, usdc_only, market, dep):
    result = run(mint, "--vault", managed_vault.address, "--amount", "0.49", "--with", "USDC", "--exact-in", "500",
                 "--yes", "--account", "TEST::4", *dep)  # fmt: skip

    assert result.exit_code == 0, result.output
    assert 100 * ONE + 49 * ONE // 100 <= managed_vault.balanceOf(usdc_only) < 100 * ONE + ONE // 2


def test_mint_with__deployment_without_zap__exits_1_saying_so(managed_vault, usdc_only, tmp_path, market, factory,
                                                              uniswap, deployer):  # fmt: skip
    dep = write_deployment(tmp_path / "old.json", market, factory, uniswap, deployer, "")

    result = run(mint, "--vault", managed_vault.address, "--amount", "1", "--with", "USDC", "--yes",
                 "--account", "TEST::4", *dep)  # fmt: skip

    assert result.exit_code == 1 and "this deployment has no index_zap" in result.output


def test_mint__max_in_without_with__exits_1(managed_vault, dep):
    result = run(mint, "--vault", managed_vault.address, "--amount", "1", "--max-in", "5", "--yes",
                 "--account", "TEST::4", *dep)  # fmt: skip

    assert result.exit_code == 1 and "--max-in and --exact-in go with --with TOKEN" in result.output


def test_redeem_to__usdc__shows_routes_and_pays_at_least_min_out(managed_vault, market, zap, alice, dep):
    usdc = market.tokens[0]
    before = usdc.balanceOf(alice)

    result = run(redeem, "--vault", managed_vault.address, "--amount", "2", "--to", "USDC", "--min-out", "1990",
                 "--yes", "--account", "TEST::4", *dep)  # fmt: skip

    assert result.exit_code == 0, result.output
    assert managed_vault.balanceOf(alice) == 98 * ONE
    assert 1_990 * USDC <= usdc.balanceOf(alice) - before < 2_000 * USDC
    assert "WETH -> USDC" in result.output and "redeemed 2 TIDX for" in result.output
    assert managed_vault.allowance(alice, zap) == 0  # approved exactly the shares redeemed


def test_redeem_to__min_out_above_the_quote__exits_1_and_sends_nothing(managed_vault, alice, dep):
    nonce = alice.nonce

    result = run(redeem, "--vault", managed_vault.address, "--amount", "2", "--to", "USDC", "--min-out", "2001",
                 "--yes", "--account", "TEST::4", *dep)  # fmt: skip

    assert result.exit_code == 1 and "is below --min-out 2,001 USDC: nothing sent" in result.output
    assert alice.nonce == nonce


def test_redeem_to__without_min_out__exits_1(managed_vault, dep):
    result = run(redeem, "--vault", managed_vault.address, "--amount", "1", "--to", "USDC", "--yes",
                 "--account", "TEST::4", *dep)  # fmt: skip

    assert result.exit_code == 1 and "--to needs --min-out" in result.output


def test_redeem_to__skip__forfeits_the_skipped_component(managed_vault, market, alice, dep):
    wbtc = market.tokens[2]
    before = wbtc.balanceOf(alice)

    result = run(redeem, "--vault", managed_vault.address, "--amount", "1", "--to", "USDC", "--min-out", "690",
                 "--skip", "WBTC", "--yes", "--account", "TEST::4", *dep)  # fmt: skip

    assert result.exit_code == 0, result.output
    assert "skipped (forfeited)" in result.output and wbtc.balanceOf(alice) == before


def test_deploy__weth__deploys_the_zap_and_records_it(tmp_path, uniswap):
    out = tmp_path / "local.json"

    result = run(deploy, "--account", "TEST::0", "--uniswap-router", uniswap.router.address, "--weth",
                 uniswap.weth.address, "--out", str(out))  # fmt: skip

    assert result.exit_code == 0, result.output
    deployment = load_deployment(out)
    assert deploy.project.IndexZap.at(deployment.index_zap).WETH() == uniswap.weth.address
    assert f"zap     {deployment.index_zap}" in result.output


def test_split__remainder_on_the_largest_cost__sums_exactly():
    assert _zap.split(100, [1, 2, 1]) == [25, 50, 25]
    assert _zap.split(10, [1, 1, 1]) == [4, 3, 3]
    assert sum(_zap.split(10**6 + 7, [3, 5, 11])) == 10**6 + 7


def test_pick_path__direct_then_hub__or_an_error():
    pairs = {("A", "B"), ("A", "H"), ("H", "C")}

    def has_pair(a, b):
        return (a, b) in pairs or (b, a) in pairs

    assert _zap.pick_path("A", "B", has_pair, ["H"]) == ("A", "B")
    assert _zap.pick_path("A", "C", has_pair, ["H"]) == ("A", "H", "C")
    with pytest.raises(_zap.ZapError, match="no Uniswap V2 route from B to C"):
        _zap.pick_path("B", "C", has_pair, ["H"])


def test_buffers_and_slippage__round_against_the_wallet():
    assert _zap.with_buffer(10_000, 30) == 10_030 and _zap.with_buffer(1, 30) == 2
    assert _zap.less_buffer(10_000, 30) == 9_970 and _zap.less_buffer(1, 30) == 0
    assert _zap.slippage_bps(1_010, 1_000) == 100 and _zap.slippage_bps(990, 1_000) == -100
