// Every transaction the page sends goes through `send`: simulate (stop with the contract's reason), estimate, add the
// margin the fee-accrual path needs, ask the wallet, then follow it to mined or failed.
import { BaseError, ContractFunctionRevertedError, UserRejectedRequestError } from "viem";

// The first mint/redeem in a block after time passed also mints the management-fee shares (about 15,000 gas), and
// an estimate taken just after another accrual misses it: the same limit as the scripts (scripts/_chain.py,
// README "Gas limits"): (estimate + 40,000) x 1.2.
export const FEE_ACCRUAL_GAS = 40_000n;
export const GAS_MARGIN_PERCENT = 20n;

export function gasLimit(estimate) {
  return ((estimate + FEE_ACCRUAL_GAS) * (100n + GAS_MARGIN_PERCENT)) / 100n;
}

/** An error a person can read: the contract's reason (`index_vault: mint paused`), never raw hex. */
export function reasonOf(error) {
  if (error instanceof BaseError) {
    const revert = error.walk((e) => e instanceof ContractFunctionRevertedError);
    if (revert) {
      if (revert.reason) return revert.reason;
      if (revert.data?.errorName) return `the contract refused (${revert.data.errorName})`;
      return "the contract reverted without giving a reason";
    }
    if (error.walk((e) => e instanceof UserRejectedRequestError || e?.code === 4001)) {
      return "you declined the request in your wallet";
    }
    const text = error.shortMessage || error.message;
    return text.replace(/0x[0-9a-fA-F]{16,}/g, "(data)");
  }
  return String(error?.message ?? error).replace(/0x[0-9a-fA-F]{16,}/g, "(data)");
}

/** The progress list: one line per step, created up front so the user sees the whole plan. */
export class Progress {
  constructor(list, errorLine) {
    this.list = list;
    this.errorLine = errorLine;
  }

  plan(labels) {
    this.list.replaceChildren();
    this.errorLine.textContent = "";
    return labels.map((label) => {
      const item = document.createElement("li");
      item.textContent = label;
      this.list.append(item);
      return item;
    });
  }

  fail(message, item = null) {
    if (item) item.className = "failed";
    this.errorLine.textContent = message;
  }
}

export class TxFailed extends Error {}

/**
 * Simulate, estimate with margin, sign in the wallet, wait for the receipt. `call` is viem's contract call
 * ({address, abi, functionName, args, value?}). Throws TxFailed with the reason in words.
 */
export async function send({ client, wallet, account, chain }, call, item) {
  let gas;
  try {
    await client.simulateContract({ ...call, account });
    gas = gasLimit(await client.estimateContractGas({ ...call, account }));
  } catch (error) {
    item.className = "failed";
    throw new TxFailed(reasonOf(error));
  }
  item.className = "waiting";
  let hash;
  try {
    hash = await wallet.writeContract({ ...call, account, chain, gas });
  } catch (error) {
    item.className = "failed";
    throw new TxFailed(reasonOf(error));
  }
  item.className = "pending";
  item.dataset.hash = hash;
  item.title = hash;
  const receipt = await client.waitForTransactionReceipt({ hash });
  if (receipt.status === "success") {
    item.className = "mined";
    return receipt;
  }
  item.className = "failed";
  // Replay the call where it failed to learn why.
  try {
    await client.simulateContract({ ...call, account, blockNumber: receipt.blockNumber });
  } catch (error) {
    throw new TxFailed(`${reasonOf(error)} (transaction ${hash})`);
  }
  throw new TxFailed(`the transaction ${hash} failed on chain`);
}
