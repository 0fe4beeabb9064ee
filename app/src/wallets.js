// Wallet discovery: EIP-6963 announcements, with the legacy `window.ethereum` as a fallback when nobody announces.
const LEGACY_WAIT_MS = 250;

/** Calls `onChange(list)` with every wallet found so far ({info: {uuid, name, icon}, provider}). */
export function discoverWallets(onChange) {
  const found = new Map();
  window.addEventListener("eip6963:announceProvider", (event) => {
    const { info, provider } = event.detail ?? {};
    if (!info?.uuid || typeof provider?.request !== "function") return;
    found.set(info.uuid, { info, provider });
    onChange([...found.values()]);
  });
  window.dispatchEvent(new Event("eip6963:requestProvider"));
  setTimeout(() => {
    if (found.size === 0 && window.ethereum?.request) {
      found.set("window.ethereum", {
        info: { uuid: "window.ethereum", name: "Browser wallet" },
        provider: window.ethereum,
      });
    }
    onChange([...found.values()]);
  }, LEGACY_WAIT_MS);
}
