// Not a seed: Clerk's passkey calls as its custom-flow guides use them, for the journeys.
// Signed out: signIn.passkey({ flow: 'discoverable' }) (no identifier), or the password then
// signIn.mfa.passkey() as the second factor; signed in: user.createPasskey().
import { useSignIn, useUser } from '@clerk/react'
import { useState } from 'react'
import { useRouter } from './next-navigation'
import { mount } from './provider'

function Passkeys() {
  const { signIn, errors, fetchStatus } = useSignIn()
  const { isLoaded, isSignedIn, user } = useUser()
  const router = useRouter()
  const [added, setAdded] = useState('')
  const [failed, setFailed] = useState('')

  // The code of a refusal, as the SDK reports it ({ error } of each call).
  const report = (error: unknown) => {
    const failure = error as { errors?: { code: string }[]; code?: string } | null
    setFailed(failure ? (failure.errors?.[0]?.code ?? failure.code ?? String(error)) : '')
  }

  const finish = async () => {
    if (signIn.status !== 'complete') return
    await signIn.finalize({ navigate: ({ decorateUrl }) => router.push(decorateUrl('/')) })
  }

  const withPasskey = async () => {
    const { error } = await signIn.passkey({ flow: 'discoverable' })
    report(error)
    await finish()
  }

  const withPassword = async (formData: FormData) => {
    await signIn.password({
      emailAddress: formData.get('email') as string,
      password: formData.get('password') as string,
    })
    await finish()
  }

  const secondFactor = async () => {
    const { error } = await signIn.mfa.passkey()
    report(error)
    await finish()
  }

  const addPasskey = async () => {
    try {
      const passkey = await user!.createPasskey()
      setAdded(passkey.name ?? '')
    } catch (error) {
      report(error)
    }
  }

  if (!isLoaded) return <p id="state">loading</p>
  if (isSignedIn) {
    return (
      <>
        <h1>Your passkeys</h1>
        <button onClick={addPasskey}>Add a passkey</button>
        {added && <p id="added">Passkey added: {added}</p>}
        {failed && <p id="failed">{failed}</p>}
      </>
    )
  }
  const shown = failed || (errors.global?.[0]?.code ?? '')
  if (signIn.status === 'needs_second_factor') {
    return (
      <>
        <h1>Verify your account</h1>
        <button onClick={secondFactor} disabled={fetchStatus === 'fetching'}>
          Use your passkey
        </button>
        <p id="error">{shown}</p>
      </>
    )
  }
  return (
    <>
      <h1>Sign in</h1>
      <button onClick={withPasskey} disabled={fetchStatus === 'fetching'}>
        Sign in with a passkey
      </button>
      <form action={withPassword}>
        <label htmlFor="email">Enter email address</label>
        <input id="email" name="email" type="email" />
        <label htmlFor="password">Enter password</label>
        <input id="password" name="password" type="password" />
        <button type="submit">Continue</button>
      </form>
      <p id="error">{shown}</p>
    </>
  )
}

mount(Passkeys)
