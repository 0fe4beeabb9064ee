// The wallet page's bundle: viem and the page's modules into one static folder, nothing fetched from a CDN.
// scripts/build_app.py writes build/app/abis.json (from the compiled contracts) before it runs this build.
import { fileURLToPath } from "node:url";
import { defineConfig } from "vite";

const here = (path) => fileURLToPath(new URL(path, import.meta.url));

export default defineConfig({
  root: here("."),
  base: "./", // relative asset paths: the folder can be served from anywhere
  resolve: { alias: { "@abis": here("../build/app/abis.json") } },
  build: { outDir: here("../build/app/dist"), emptyOutDir: true, target: "es2022" },
  server: { fs: { allow: [here("..")] } },
});
