// The redirectCallbackUrl of sso.tsx: Clerk's <AuthenticateWithRedirectCallback /> reads the
// client the provider's callback left (a complete sign-in, or a "transferable" one that it
// turns into a sign-up with signUp.create({transfer: true})) and activates the session.
'use client'

import { AuthenticateWithRedirectCallback } from '@clerk/react'
import { mount } from './provider'

export default function Page() {
  return (
    <>
      <p>Signing you in…</p>
      <AuthenticateWithRedirectCallback signInFallbackRedirectUrl="/" signUpFallbackRedirectUrl="/" />
    </>
  )
}

mount(Page)
