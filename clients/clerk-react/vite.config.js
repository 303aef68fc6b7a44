// The seeds' pages, built into dist/ and served by authflows at /static/clerk-app/ (its
// STATICFILES_DIRS names dist/ under that prefix when it exists), so the pages, Clerk's SDK
// and the Frontend API at /__clerk/ share one origin: the session cookie is first-party and
// no CORS is involved.
import { resolve } from 'node:path'
import { defineConfig } from 'vite'
import react from '@vitejs/plugin-react'

const pages = ['index', 'client-trust', 'mfa', 'legacy', 'vanilla', 'sign-up', 'email-code', 'status', 'sso', 'sso-callback', 'passkeys']

export default defineConfig({
  base: '/static/clerk-app/',
  plugins: [react()],
  define: {
    // The publishable key names no real host: with the relative proxyUrl every call goes to
    // this site's /__clerk/v1/ (pk_live_ + base64("clerk.authflows.test$")).
    'import.meta.env.VITE_CLERK_PUBLISHABLE_KEY': JSON.stringify('pk_live_Y2xlcmsuYXV0aGZsb3dzLnRlc3Qk'),
  },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: false,
    chunkSizeWarningLimit: 2000, // clerk-js is bundled whole
    rollupOptions: {
      input: Object.fromEntries(pages.map((name) => [name, resolve(import.meta.dirname, `${name}.html`)])),
    },
  },
})
