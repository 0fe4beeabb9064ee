// Where the contracts are: a deployment file (written by `ape run deploy`) served beside the page, so one build
// works on every network that has one. `?deployment=ethereum-sepolia&rpc=https://...` picks another network.
import { createPublicClient, defineChain, http } from "viem";

const LOCAL_CHAIN_IDS = [31337, 1337];
const LOCAL_RPC = "http://127.0.0.1:8545";

export async function loadConfig(search = window.location.search) {
  const params = new URLSearchParams(search);
  const name = params.get("deployment") || "ethereum-local";
  if (!/^[\w.-]+$/.test(name)) throw new Error(`"${name}" is not a deployment file name`);
  const response = await fetch(`./deployments/${name}.json`, { cache: "no-store" });
  if (!response.ok) {
    throw new Error(
      `No deployment file deployments/${name}.json next to the page: run \`ape run deploy\` for this ` +
        "network, then rebuild the page (`make app`)."
    );
  }
  const deployment = await response.json();
  const local = LOCAL_CHAIN_IDS.includes(deployment.chain_id);
  const rpc = params.get("rpc") || (local ? LOCAL_RPC : null);
  if (!rpc) throw new Error(`Add ?rpc=<JSON-RPC URL> for chain ${deployment.chain_id} to the page's address.`);
  const chain = defineChain({
    id: deployment.chain_id,
    name: local ? "Local chain" : deployment.network,
    nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 },
    rpcUrls: { default: { http: [rpc] } },
  });
  // One HTTP request per burst of reads (JSON-RPC batch): the page works without a wallet, and without multicall.
  const client = createPublicClient({ chain, transport: http(rpc, { batch: true }), pollingInterval: 250 });
  return { name, deployment, local, rpc, chain, client };
}
