// Sign-in with an identity provider, written like the seeds' pages (Clerk's "OAuth
// connections" and "Enterprise connections" custom flows with the current SignIn API:
// signIn.sso()). The provider comes back to the site's own callback, which sends the browser
// to redirectCallbackUrl (sso-callback.html). Imports as in the other pages: '@clerk/react'
// for '@clerk/nextjs'.
'use client'

import { useSignIn } from '@clerk/react'
import { mount } from './provider'

// authflows: Clerk names a custom provider oauth_custom_<key>; here the key is the slug of
// the connection in the Dashboard ("test").
type OAuthStrategy = `oauth_custom_${string}`

const PROVIDERS: { strategy: OAuthStrategy; name: string }[] = [
  { strategy: 'oauth_custom_test', name: 'Test IdP' },
]

export default function Page() {
  const { signIn, errors, fetchStatus } = useSignIn()

  const signInWith = async (strategy: OAuthStrategy) => {
    const { error } = await signIn.sso({
      strategy,
      redirectCallbackUrl: '/static/clerk-app/sso-callback.html',
      redirectUrl: '/',
    })
    if (error) {
      console.error(JSON.stringify(error, null, 2))
    }
  }

  const handleEnterprise = async (formData: FormData) => {
    const { error } = await signIn.sso({
      strategy: 'enterprise_sso',
      identifier: formData.get('email') as string,
      redirectCallbackUrl: '/static/clerk-app/sso-callback.html',
      redirectUrl: '/',
    })
    if (error) {
      console.error(JSON.stringify(error, null, 2))
    }
  }

  return (
    <>
      <h1>Sign in</h1>
      {PROVIDERS.map(({ strategy, name }) => (
        <button key={strategy} onClick={() => signInWith(strategy)} disabled={fetchStatus === 'fetching'}>
          Sign in with {name}
        </button>
      ))}
      <form action={handleEnterprise}>
        <label htmlFor="email">Work email address</label>
        <input id="email" name="email" type="email" />
        <button type="submit" disabled={fetchStatus === 'fetching'}>
          Continue with SSO
        </button>
      </form>
      {errors.global && <p id="errors">{JSON.stringify(errors.global, null, 2)}</p>}
      {errors.fields.identifier && <p>{errors.fields.identifier.message}</p>}
    </>
  )
}

mount(Page)
