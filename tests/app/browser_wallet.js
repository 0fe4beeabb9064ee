// A test wallet injected before the page loads: an EIP-1193 provider announced through EIP-6963, exactly as a
// browser extension does. Every request goes to the Python side (window.__testWallet, see browser_wallet.py), which
// signs locally with an anvil test key, forwards to anvil, and records what it was asked.
(() => {
  const listeners = {};
  const emit = (event, value) => (listeners[event] || []).forEach((listener) => listener(value));
  const provider = {
    async request({ method, params = [] }) {
      const answer = JSON.parse(await window.__testWallet(JSON.stringify({ method, params })));
      if (answer.error) {
        const error = new Error(answer.error.message);
        error.code = answer.error.code;
        error.data = answer.error.data;
        throw error;
      }
      if (method === "wallet_switchEthereumChain") emit("chainChanged", params[0].chainId);
      return answer.result;
    },
    on(event, listener) {
      (listeners[event] ||= []).push(listener);
      return provider;
    },
    removeListener(event, listener) {
      listeners[event] = (listeners[event] || []).filter((l) => l !== listener);
      return provider;
    },
  };
  const detail = Object.freeze({
    info: {
      uuid: "5b1f7d0e-3c9a-4d8e-9a51-7e0c2f1b6a10",
      name: "Test Wallet",
      icon: "data:image/svg+xml,%3Csvg xmlns='http://www.w3.org/2000/svg' width='8' height='8'/%3E",
      rdns: "org.example.testwallet",
    },
    provider,
  });
  if (window.__testWalletLegacy) {
    // An older extension: no EIP-6963 announcement, only the injected `window.ethereum`.
    window.ethereum = provider;
    return;
  }
  const announce = () => window.dispatchEvent(new CustomEvent("eip6963:announceProvider", { detail }));
  window.addEventListener("eip6963:requestProvider", announce);
  announce();
})();
