import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";

/**
 * The console is served under `/console/` by the local gateway (and, in AWS, by the console's own
 * distribution); the API is same-origin. `vite` (dev server) proxies the API to `pnpm dev`'s gateway.
 */
export default defineConfig({
  base: "/console/",
  plugins: [react()],
  build: { outDir: "dist", emptyOutDir: true, chunkSizeWarningLimit: 1500 },
  server: {
    proxy: Object.fromEntries(["/v1", "/_local", "/openapi.json"].map((p) => [p, { target: process.env.SIYU_GATEWAY ?? "http://127.0.0.1:3000" }])),
  },
});
