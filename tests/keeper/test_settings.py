"""keeper.settings: defaults, KEEPER_* environment variables, CLI overrides on top, addresses checked and
checksummed with the setting named, `require`, and the planner config built from the settings."""

import os
from pathlib import Path

import pytest

from keeper.deployment import Deployment, save_deployment
from keeper.errors import ConfigError
from keeper.planner import PlannerConfig, PlannerConfigError
from keeper.settings import GWEI, USD, checksum, load_settings

LENS = "0x5fbdb2315678afecb367f032d93f642f64180aa3"
LENS_CHECKSUMMED = "0x5FbDB2315678afecb367f032d93F642f64180aa3"
VAULT = "0xe7f1725e7734ce288f8367e1bb143e90bb3f0512"
VAULT_CHECKSUMMED = "0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512"
NOT_AN_ADDRESS = "0x12345"
USDC_ADDRESS = "0x" + "0A" * 20
ADDRESS = "0x" + "0B" * 20


def deployment(**fields) -> Deployment:
    """A deployment file's content with every address the same placeholder, and `fields` on top."""
    fields = {"adapters": {"uniswap_v2": ADDRESS}, **fields}
    return Deployment(
        network="ethereum:local", chain_id=31337, deployer=ADDRESS, oracle_router=ADDRESS, vault_blueprint=ADDRESS,
        policy_blueprint=ADDRESS, factory=ADDRESS, lens=ADDRESS, **fields,
    )  # fmt: skip


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch):
    """No KEEPER_* variable of the machine running the tests leaks in."""
    for name in list(os.environ):
        if name.upper().startswith("KEEPER_"):
            monkeypatch.delenv(name)


def test_load_settings__nothing_set__documented_defaults():
    settings = load_settings()

    assert (settings.rpc_url, settings.rpc_timeout, settings.rpc_retries) == ("http://127.0.0.1:8545", 5.0, 3)
    assert (settings.lens, settings.factory, settings.vaults, settings.adapter, settings.route_via) == (
        "", "", [], "", "")  # fmt: skip
    assert (settings.account, settings.data_dir) == ("", Path.home() / ".keeper")
    assert (settings.max_fee, settings.priority_fee, settings.gas_margin) == (200 * GWEI, 1 * GWEI, 2_000)
    assert (settings.stuck_blocks, settings.confirmations) == (3, 2)
    assert (settings.max_price_jump, settings.max_failures) == (2_500, 3)
    assert (settings.min_trade_value, settings.max_trade_value, settings.slippage) == (10 * USD, 0, None)
    assert (settings.metrics_port, settings.strategy) == (0, "governance")


def test_load_settings__keeper_environment_variables__read(monkeypatch):
    monkeypatch.setenv("KEEPER_RPC_URL", "http://node:8545")
    monkeypatch.setenv("KEEPER_MAX_FEE", str(300 * GWEI))
    monkeypatch.setenv("KEEPER_STUCK_BLOCKS", "5")
    monkeypatch.setenv("KEEPER_LENS", LENS)
    monkeypatch.setenv("KEEPER_VAULTS", f'["{VAULT}"]')
    monkeypatch.setenv("KEEPER_ACCOUNT", "keeper-bot")

    settings = load_settings()

    assert (settings.rpc_url, settings.max_fee, settings.stuck_blocks) == ("http://node:8545", 300 * GWEI, 5)
    assert (settings.lens, settings.vaults, settings.account) == (LENS_CHECKSUMMED, [VAULT_CHECKSUMMED], "keeper-bot")


def test_load_settings__unprefixed_environment_variables__ignored(monkeypatch):
    monkeypatch.setenv("MAX_FEE", "1")
    monkeypatch.setenv("RPC_URL", "http://elsewhere:8545")

    settings = load_settings()

    assert (settings.max_fee, settings.rpc_url) == (200 * GWEI, "http://127.0.0.1:8545")


def test_load_settings__override_and_environment__override_wins(monkeypatch):
    monkeypatch.setenv("KEEPER_MAX_FAILURES", "7")

    assert load_settings(max_failures=9).max_failures == 9


def test_load_settings__override_is_none__environment_kept(monkeypatch):
    monkeypatch.setenv("KEEPER_MAX_FAILURES", "7")

    assert load_settings(max_failures=None).max_failures == 7


# --- addresses ------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("field, named", [("lens", "lens"), ("factory", "factory"), ("adapter", "adapter")])
def test_load_settings__bad_address__config_error_naming_the_setting(field, named):
    expected = rf"^{named} '{NOT_AN_ADDRESS}' is not an Ethereum address \(0x followed by 40 hex digits\)$"

    with pytest.raises(ConfigError, match=expected):
        load_settings(**{field: NOT_AN_ADDRESS})


@pytest.mark.parametrize("field", ["lens", "factory", "adapter", "route_via"])
def test_load_settings__lowercase_address__checksummed(field):
    assert getattr(load_settings(**{field: LENS}), field) == LENS_CHECKSUMMED


def test_load_settings__bad_address_in_environment__config_error_naming_the_setting(monkeypatch):
    monkeypatch.setenv("KEEPER_ROUTE_VIA", "0xweth")

    with pytest.raises(ConfigError, match=r"^route-via '0xweth' is neither an Ethereum address nor a token symbol"):
        load_settings()


def test_load_settings__route_via_symbol_without_deployment__kept_for_the_cycle_to_resolve(monkeypatch):
    monkeypatch.setenv("KEEPER_ROUTE_VIA", "USDC")

    assert load_settings().route_via == "USDC"
    assert load_settings().planner_config().route_via is None  # the planner takes addresses only


def test_load_settings__route_via_symbol_in_the_deployment__resolved_to_its_address(tmp_path):
    path = tmp_path / "local.json"
    save_deployment(deployment(tokens={"USDC": USDC_ADDRESS}), path)

    assert load_settings(deployment=path, route_via="usdc").route_via == checksum(USDC_ADDRESS)


def test_load_settings__deployment_with_tokens__they_are_the_route_tokens(tmp_path):
    path = tmp_path / "local.json"
    save_deployment(deployment(tokens={"USDC": USDC_ADDRESS, "WETH": ADDRESS}), path)

    assert load_settings(deployment=path).route_tokens == [checksum(USDC_ADDRESS), checksum(ADDRESS)]


def test_load_settings__vaults__each_checksummed_in_order():
    assert load_settings(vaults=[VAULT, LENS]).vaults == [VAULT_CHECKSUMMED, LENS_CHECKSUMMED]


def test_load_settings__one_bad_vault__config_error_naming_it():
    with pytest.raises(ConfigError, match=rf"^vault '{NOT_AN_ADDRESS}' is not an Ethereum address"):
        load_settings(vaults=[VAULT, NOT_AN_ADDRESS])


def test_checksum__address__checksummed():
    assert checksum(LENS, "lens") == LENS_CHECKSUMMED


def test_checksum__not_a_string__config_error():
    with pytest.raises(ConfigError, match=r"^lens 12 is not an Ethereum address"):
        checksum(12, "lens")


# --- other bad settings ---------------------------------------------------------------------------------------------


def test_load_settings__unknown_setting__config_error_naming_it():
    with pytest.raises(ConfigError, match=r"^setting colour: Extra inputs are not permitted$"):
        load_settings(colour="red")


def test_load_settings__not_a_number__config_error_naming_the_setting():
    with pytest.raises(ConfigError, match=r"^setting max_fee: Input should be a valid integer"):
        load_settings(max_fee="lots")


def test_load_settings__not_a_number_in_environment__config_error_naming_the_setting(monkeypatch):
    monkeypatch.setenv("KEEPER_STUCK_BLOCKS", "three")

    with pytest.raises(ConfigError, match=r"^setting stuck_blocks: Input should be a valid integer"):
        load_settings()


# --- require --------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name, message",
    [("account", r"^--account \(or KEEPER_ACCOUNT\) is required for this command$"),
     ("route_via", r"^--route-via \(or KEEPER_ROUTE_VIA\) is required for this command$")],
)  # fmt: skip
def test_require__setting_unset__config_error_naming_flag_and_variable(name, message):
    with pytest.raises(ConfigError, match=message):
        load_settings().require(name)


def test_require__first_unset_of_several__named():
    settings = load_settings(lens=LENS)

    with pytest.raises(ConfigError, match=r"^--adapter \(or KEEPER_ADAPTER\)"):
        settings.require("lens", "adapter", "account")


def test_require__all_set__no_error():
    settings = load_settings(lens=LENS, adapter=VAULT, account="keeper-bot")

    assert settings.require("lens", "adapter", "account") is None


# --- planner_config -------------------------------------------------------------------------------------------------


def test_planner_config__settings_given__carries_every_value():
    settings = load_settings(abs_band=150, rel_band=1_000, min_trade_value=5 * USD, max_trade_value=10**6 * USD,
                             slippage=30, max_trades=4, route_via=VAULT)  # fmt: skip

    assert settings.planner_config() == PlannerConfig(
        abs_band=150, rel_band=1_000, min_trade_value=5 * USD, max_trade_value=10**6 * USD, slippage=30, max_trades=4,
        route_via=VAULT_CHECKSUMMED,
    )  # fmt: skip


def test_planner_config__no_route_via__none():
    assert load_settings().planner_config().route_via is None


def test_planner_config__slippage_out_of_range__planner_config_error():
    with pytest.raises(PlannerConfigError, match=r"^planner config: slippage must be 0 to 9999 bps$"):
        load_settings(slippage=10_000).planner_config()


# --- Uniswap V3 from the deployment file ---------------------------------------------------------------------------

V2_ADAPTER, V3_ADAPTER, V3_QUOTER = "0x" + "A2" * 20, "0x" + "A3" * 20, "0x" + "C3" * 20


def test_load_settings__deployment_with_v3_adapter_and_quoter__both_venues_set(tmp_path):
    path = tmp_path / "local.json"
    save_deployment(
        deployment(adapters={"uniswap_v3": V3_ADAPTER, "uniswap_v2": V2_ADAPTER}, uniswap_v3={"quoter": V3_QUOTER}),
        path,
    )

    settings = load_settings(deployment=str(path))

    assert (settings.adapter, settings.adapter_v3, settings.quoter_v3) == (
        checksum(V2_ADAPTER, "a"), checksum(V3_ADAPTER, "a"), checksum(V3_QUOTER, "a"))  # fmt: skip


def test_load_settings__deployment_with_v3_adapter_but_no_quoter__v2_only(tmp_path):
    path = tmp_path / "local.json"
    save_deployment(deployment(adapters={"uniswap_v2": V2_ADAPTER, "uniswap_v3": V3_ADAPTER}), path)

    settings = load_settings(deployment=str(path))

    assert (settings.adapter, settings.adapter_v3, settings.quoter_v3) == (checksum(V2_ADAPTER, "a"), "", "")


def test_load_settings__v3_options_given__override_the_deployment(tmp_path):
    path = tmp_path / "local.json"
    save_deployment(deployment(adapters={"uniswap_v3": ADDRESS}, uniswap_v3={"quoter": ADDRESS}), path)

    settings = load_settings(deployment=str(path), adapter_v3=V3_ADAPTER, quoter_v3=V3_QUOTER)

    assert (settings.adapter_v3, settings.quoter_v3) == (checksum(V3_ADAPTER, "a"), checksum(V3_QUOTER, "a"))


def test_load_settings__v3_quoter_not_an_address__names_the_setting():
    with pytest.raises(ConfigError, match="quoter-v3"):
        load_settings(quoter_v3=NOT_AN_ADDRESS)
