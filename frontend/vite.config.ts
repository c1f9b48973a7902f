/// <reference types="vitest/config" />
import { defineConfig } from "vite";
import react from "@vitejs/plugin-react";
import { VitePWA } from "vite-plugin-pwa";

// `npm run dev`: Vite's dev server with hot reload. It serves /config.json from public/config.json if present,
// else from the built app's host named by SHOP_WEB_URL (the local stack's, which writes it from its addresses).
const webUrl = process.env.SHOP_WEB_URL;
const devPort = Number(process.env.VITE_PORT ?? 5173);

export default defineConfig({
  plugins: [
    react(),
    VitePWA({
      // Registered by src/main.tsx from an external file: the page's CSP allows no inline script.
      injectRegister: false,
      registerType: "autoUpdate",
      manifest: false, // public/manifest.webmanifest is the manifest, linked from index.html
      workbox: {
        globPatterns: ["**/*.{js,css,html,svg,png,webmanifest}"],
        // Client-side routes load the app shell, online or offline.
        navigateFallback: "/index.html",
        navigateFallbackDenylist: [/^\/config\.json$/],
        runtimeCaching: [
          {
            // The settings change per environment: the network first, the last copy when offline.
            urlPattern: ({ url }) => url.pathname === "/config.json",
            handler: "NetworkFirst",
            options: { cacheName: "config", networkTimeoutSeconds: 3 },
          },
        ],
      },
    }),
  ],
  build: {
    target: "es2022",
    sourcemap: false,
  },
  server: {
    host: "127.0.0.1",
    port: devPort,
    strictPort: true,
    proxy: webUrl ? { "/config.json": { target: webUrl, changeOrigin: true } } : undefined,
  },
  test: {
    environment: "jsdom",
    globals: true,
    setupFiles: ["tests/setup.ts"],
    include: ["tests/**/*.test.{ts,tsx}"],
  },
});
