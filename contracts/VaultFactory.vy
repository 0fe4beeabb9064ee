# pragma version 0.4.3
"""
@title Vault Factory
@license MIT
@notice Creates index vaults permissionlessly, each an `IndexVault` and its
        `RebalancePolicy` from two blueprints, linked to each other for life,
        and keeps the registry that wallets, indexers and the keeper read:
        `vaults(i)`, `vault_count()`, `is_vault(addr)`, `policy_of(vault)` and
        a `VaultCreated` event carrying every creation parameter. The second
        kind, `create_compliant_vault`, wraps such a vault in a `CompliantIndex`
        (with its `ComplianceRules`) that is the vault's governance and
        guardian: `compliant_of(vault)`, `is_compliant(index)` and a
        `CompliantVaultCreated` event.
@custom:security The factory holds no funds and has no owner. It trusts only
                 its immutable blueprints; every input check (components, units,
                 fee caps, roles, weights, limits) is made by the vault's and
                 the policy's constructors, whose revert reasons reach the
                 caller unchanged. It is the vault's `owner`: it links the
                 policy in the same transaction that creates both, and serves
                 the vault's unit arithmetic (`sold_unit`, `bought_unit`,
                 `forfeited_unit`: pure functions, kept here so the vault's
                 blueprint fits EIP-170's code size limit).
"""

from .modules import unit_math
from .modules import vault_params


interface IVaultLink:
    def set_policy(policy: address): nonpayable

interface ICompliantLink:
    def initialize(vault: address, rules: address): nonpayable


MAX_COMPONENTS: constant(uint256) = vault_params.MAX_COMPONENTS


VAULT_BLUEPRINT: public(immutable(address))
POLICY_BLUEPRINT: public(immutable(address))
COMPLIANT_BLUEPRINT: public(immutable(address))
RULES_BLUEPRINT: public(immutable(address))

vaults: public(HashMap[uint256, address])
vault_count: public(uint256)
is_vault: public(HashMap[address, bool])
policy_of: public(HashMap[address, address])
# inner vault -> the CompliantIndex wrapping it (the vault is registered like any other, so keepers serve it).
compliant_of: public(HashMap[address, address])
is_compliant: public(HashMap[address, bool])


event VaultCreated:
    vault: indexed(address)
    policy: indexed(address)
    creator: indexed(address)
    index: uint256
    name: String[25]
    symbol: String[5]
    components: DynArray[address, MAX_COMPONENTS]
    units: DynArray[uint256, MAX_COMPONENTS]
    governance: address
    guardian: address
    fee_recipient: address
    management_fee: uint256
    mint_fee: uint256
    redeem_fee: uint256
    timelock_delay: uint256
    rebalancing: vault_params.PolicyParams

event CompliantVaultCreated:
    index: indexed(address)
    vault: indexed(address)
    creator: indexed(address)
    rules: address
    compliance: vault_params.ComplianceParams


@deploy
def __init__(
    vault_blueprint: address, policy_blueprint: address, compliant_blueprint: address, rules_blueprint: address
):
    """
    @param vault_blueprint The `IndexVault` blueprint (ERC-5202) every vault is made from.
    @param policy_blueprint The `RebalancePolicy` blueprint every vault's policy is made from.
    @param compliant_blueprint The `CompliantIndex` blueprint every compliant index is made from.
    @param rules_blueprint The `ComplianceRules` blueprint every compliant index's rules are made from.
    """
    assert vault_blueprint.is_contract, "vault_factory: blueprint is not a contract"
    assert policy_blueprint.is_contract, "vault_factory: blueprint is not a contract"
    assert compliant_blueprint.is_contract, "vault_factory: blueprint is not a contract"
    assert rules_blueprint.is_contract, "vault_factory: blueprint is not a contract"
    VAULT_BLUEPRINT = vault_blueprint
    POLICY_BLUEPRINT = policy_blueprint
    COMPLIANT_BLUEPRINT = compliant_blueprint
    RULES_BLUEPRINT = rules_blueprint


@external
@pure
def sold_unit(
    mantissa: uint256, exponent: uint256, scaled: uint256, exp_shift: uint256, amount: uint256
) -> (uint256, uint256):
    """
    @notice The vault unit (mantissa, exponent) whose claim of the whole supply
            (`scaled` = supply * multiplier, at `exp_shift`) is the old unit's
            minus `amount`, rounded down once.
    """
    return unit_math._sold_unit(mantissa, exponent, scaled, exp_shift, amount)


@external
@pure
def bought_unit(
    mantissa: uint256, exponent: uint256, scaled: uint256, exp_shift: uint256, amount: uint256
) -> (uint256, uint256):
    """
    @notice The vault unit whose claim of the whole supply is the old unit's
            plus `amount`, rounded down.
    """
    return unit_math._bought_unit(mantissa, exponent, scaled, exp_shift, amount)


@external
@pure
def forfeited_unit(mantissa: uint256, exponent: uint256, supply: uint256, remaining: uint256) -> (uint256, uint256):
    """
    @notice The vault unit grown by supply / remaining, so that `remaining`
            shares claim what `supply` shares did, rounded down once; unchanged
            when it would not fit.
    """
    return unit_math._forfeited_unit(mantissa, exponent, supply, remaining)


@external
def create_vault(
    name: String[25],
    symbol: String[5],
    components: DynArray[address, MAX_COMPONENTS],
    units: DynArray[uint256, MAX_COMPONENTS],
    governance: address,
    guardian: address,
    fee_recipient: address,
    management_fee: uint256,
    mint_fee: uint256,
    redeem_fee: uint256,
    timelock_delay: uint256,
    rebalancing: vault_params.PolicyParams,
) -> address:
    """
    @notice Create an index vault. Anyone may call; the caller chooses the
            vault's governance, guardian and fee recipient.
    @param units Amount of each component (its smallest unit) behind 1e18 index tokens.
    @param management_fee Bps a year, streamed as index tokens to the fee recipient.
    @param mint_fee Bps of each mint, in index tokens.
    @param redeem_fee Bps of each redeem, in index tokens.
    @param timelock_delay Seconds every risk-increasing change waits (1 to 30 days).
    @param rebalancing The policy: oracle, strategist, keepers, adapters, targets
           and bounds (in `components` order) and keeper limits.
    @return The new vault's address (its policy is `policy_of(vault)`).
    """
    return self._create_vault(
        name,
        symbol,
        components,
        units,
        governance,
        guardian,
        fee_recipient,
        management_fee,
        mint_fee,
        redeem_fee,
        timelock_delay,
        rebalancing,
    )


@external
def create_compliant_vault(
    name: String[25],
    symbol: String[5],
    components: DynArray[address, MAX_COMPONENTS],
    units: DynArray[uint256, MAX_COMPONENTS],
    governance: address,
    guardian: address,
    fee_recipient: address,
    management_fee: uint256,
    mint_fee: uint256,
    redeem_fee: uint256,
    timelock_delay: uint256,
    rebalancing: vault_params.PolicyParams,
    compliance: vault_params.ComplianceParams,
) -> address:
    """
    @notice Create a compliant index: a `CompliantIndex` token (governance and
            guardian as given) with its `ComplianceRules`, wrapping a new
            `IndexVault` + `RebalancePolicy` whose governance and guardian are
            the index, with the inner vault's minting paused for good (only
            the index mints, under its rules). Anyone may call. The inner
            vault's fees are paid in inner shares to `fee_recipient`.
    @param compliance The rules: registry, blocked countries, holder and balance limits, lock-up.
    @return The CompliantIndex (its inner vault is `vault()`, also `vaults(vault_count() - 1)`).
    """
    index: address = create_from_blueprint(COMPLIANT_BLUEPRINT, name, symbol, governance, guardian)
    rules: address = create_from_blueprint(RULES_BLUEPRINT, index, timelock_delay, compliance)
    vault: address = self._create_vault(
        name,
        symbol,
        components,
        units,
        index,
        index,
        fee_recipient,
        management_fee,
        mint_fee,
        redeem_fee,
        timelock_delay,
        rebalancing,
    )
    extcall ICompliantLink(index).initialize(vault, rules)
    self.compliant_of[vault] = index
    self.is_compliant[index] = True
    log CompliantVaultCreated(index=index, vault=vault, creator=msg.sender, rules=rules, compliance=compliance)
    return index


@internal
def _create_vault(
    name: String[25],
    symbol: String[5],
    components: DynArray[address, MAX_COMPONENTS],
    units: DynArray[uint256, MAX_COMPONENTS],
    governance: address,
    guardian: address,
    fee_recipient: address,
    management_fee: uint256,
    mint_fee: uint256,
    redeem_fee: uint256,
    timelock_delay: uint256,
    rebalancing: vault_params.PolicyParams,
) -> address:
    vault: address = create_from_blueprint(
        VAULT_BLUEPRINT,
        name,
        symbol,
        components,
        units,
        governance,
        guardian,
        fee_recipient,
        management_fee,
        mint_fee,
        redeem_fee,
        timelock_delay,
    )
    policy: address = create_from_blueprint(POLICY_BLUEPRINT, vault, rebalancing)
    extcall IVaultLink(vault).set_policy(policy)
    index: uint256 = self.vault_count
    self.vaults[index] = vault
    self.vault_count = index + 1
    self.is_vault[vault] = True
    self.policy_of[vault] = policy
    log VaultCreated(
        vault=vault,
        policy=policy,
        creator=msg.sender,
        index=index,
        name=name,
        symbol=symbol,
        components=components,
        units=units,
        governance=governance,
        guardian=guardian,
        fee_recipient=fee_recipient,
        management_fee=management_fee,
        mint_fee=mint_fee,
        redeem_fee=redeem_fee,
        timelock_delay=timelock_delay,
        rebalancing=rebalancing,
    )
    return vault
