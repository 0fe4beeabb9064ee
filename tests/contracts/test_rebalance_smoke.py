"""Smoke: one rebalance through the real pools (the full suite lives in test_rebalance.py)."""

from fixtures.market import path


def test_rebalance__weth_overweight_after_price_rise__sells_weth_for_usdc(
    managed_vault, market, keeper, project, policy_of, chain
):
    vault = managed_vault
    lens = project.VaultLens.deploy(sender=keeper)
    usdc, weth, _ = market.tokens
    market.set_price(1, 2_400 * 10**8)  # WETH +20 %: now overweight
    market.arbitrage(0, 1)
    market.arbitrage(1, 2)
    state = lens.state(vault)
    nav_before = lens.nav(vault)
    amount_in = 10**18
    quote = market.adapter.quote(amount_in, path(weth, usdc))
    before = vault.basket()[1]
    tx = vault.rebalance(weth, usdc, amount_in, quote * 995 // 1000, market.adapter, path(weth, usdc), sender=keeper)
    after = vault.basket()[1]
    assert after[1] < before[1] and after[0] > before[0]
    assert policy_of(vault).last_rebalance() == tx.timestamp
    print(state, nav_before, lens.nav(vault), tx.gas_used)
