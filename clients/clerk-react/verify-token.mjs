// Verifies a session token the way a Clerk backend does: @clerk/backend's verifyToken(),
// fetching the keys from authflows' JWKS (GET <apiUrl>/v1/jwks; the secret key is required
// by the SDK to fetch remotely, and authflows ignores it: the JWKS is public).
//   node verify-token.mjs <token> <apiUrl e.g. http://127.0.0.1:8000/__clerk> <authorized party>
// Prints {"ok": true, "payload": {...}} or {"ok": false, "reason": "..."}; exits 1 when refused.
import { verifyToken } from '@clerk/backend'

const [token, apiUrl, authorizedParty] = process.argv.slice(2)
try {
  const payload = await verifyToken(token, {
    secretKey: 'sk_live_authflows_needs_no_secret',
    apiUrl,
    authorizedParties: authorizedParty ? [authorizedParty] : undefined,
    skipJwksCache: true,
  })
  console.log(JSON.stringify({ ok: true, payload }))
} catch (error) {
  console.log(JSON.stringify({ ok: false, reason: error?.reason ?? String(error) }))
  process.exitCode = 1
}
