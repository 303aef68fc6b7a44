// What a Next.js app's root layout would hold: <ClerkProvider> around the page. Clerk's SDK
// is bundled (Clerk={Clerk}), so nothing is fetched from another origin, and it talks to
// this site's own Frontend API through the relative proxyUrl.
import { Clerk } from '@clerk/clerk-js'
import { ClerkProvider } from '@clerk/react'
import { StrictMode, type ComponentType } from 'react'
import { createRoot } from 'react-dom/client'

export const PUBLISHABLE_KEY = import.meta.env.VITE_CLERK_PUBLISHABLE_KEY as string
export const PROXY_URL = '/__clerk'

export function mount(Page: ComponentType) {
  createRoot(document.getElementById('root')!).render(
    <StrictMode>
      <ClerkProvider
        Clerk={Clerk}
        publishableKey={PUBLISHABLE_KEY}
        proxyUrl={PROXY_URL}
        telemetry={false}
        prefetchUI={false}
      >
        <Page />
      </ClerkProvider>
    </StrictMode>,
  )
}
