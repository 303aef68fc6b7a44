// Not a seed: what the journeys read after a flow. Clerk's hooks report the signed-in state,
// getToken() returns the session token (the same JWT clerk-js keeps in the __session
// cookie), and signOut() ends the session.
import { useAuth, useClerk, useUser } from '@clerk/react'
import { useState } from 'react'
import { mount } from './provider'

function Status() {
  const { isLoaded, isSignedIn, userId, sessionId, getToken } = useAuth()
  const { user } = useUser()
  const { signOut } = useClerk()
  const [token, setToken] = useState('')

  if (!isLoaded) return <p id="state">loading</p>
  return (
    <>
      <h1>Session</h1>
      <p id="state">{isSignedIn ? 'signed-in' : 'signed-out'}</p>
      <p id="user-id">{userId ?? ''}</p>
      <p id="session-id">{sessionId ?? ''}</p>
      <p id="email">{user?.primaryEmailAddress?.emailAddress ?? ''}</p>
      <button onClick={async () => setToken((await getToken({ skipCache: true })) ?? '')}>Get token</button>
      <output id="token">{token}</output>
      <button onClick={() => signOut({ redirectUrl: '/static/clerk-app/status.html' })}>Sign out</button>
    </>
  )
}

mount(Status)
