// Amounts are bigint wei everywhere; only these functions turn them into words.
import { formatUnits } from "viem";

const FRACTION_DIGITS = 6;

/** `amount` (wei of a token with `decimals`) with at most 6 fractional digits, rounded down, and its symbol. */
export function fmt(amount, decimals, symbol = "", { exact = false, up = false } = {}) {
  let text = formatUnits(amount, decimals);
  if (!exact && text.includes(".")) {
    const [whole, fraction] = text.split(".");
    let cut = fraction.slice(0, FRACTION_DIGITS);
    // Rounding up is for what the user must pay: never show less than the contract will pull.
    if (up && fraction.length > FRACTION_DIGITS && /[1-9]/.test(fraction.slice(FRACTION_DIGITS))) {
      const step = 10n ** BigInt(decimals - FRACTION_DIGITS);
      return fmt(((amount + step - 1n) / step) * step, decimals, symbol, { exact: true });
    }
    cut = cut.replace(/0+$/, "");
    text = cut ? `${whole}.${cut}` : whole;
  }
  const grouped = text.replace(/^(\d+)/, (whole) => whole.replace(/\B(?=(\d{3})+(?!\d))/g, ","));
  return symbol ? `${grouped} ${symbol}` : grouped;
}

/** 18-decimal USD as "$1,234.56". */
export function usd(value) {
  const cents = value / 10n ** 16n;
  const text = fmt(cents, 2, "", { exact: true });
  return `$${text.includes(".") ? text.padEnd(text.indexOf(".") + 3, "0") : `${text}.00`}`;
}

/** Basis points as a percentage: 25 -> "0.25 %". */
export function bps(value) {
  return `${(Number(value) / 100).toFixed(2)} %`;
}

/** A unix timestamp (seconds, bigint) in UTC. */
export function utc(seconds) {
  return new Date(Number(seconds) * 1000)
    .toISOString()
    .replace("T", " ")
    .replace(/\.\d+Z$/, " UTC");
}

export function short(address) {
  return `${address.slice(0, 6)}…${address.slice(-4)}`;
}
