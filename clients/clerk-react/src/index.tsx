// The list of pages (not a seed).
import { createRoot } from 'react-dom/client'

const pages = [
  ['client-trust.html', 'Sign in with client trust (seed 001)'],
  ['mfa.html', 'Sign in with MFA: SMS code or backup code (seed 004)'],
  ['mfa.html?strategy=totp', 'Sign in with MFA: authenticator app (seed 004)'],
  ['legacy.html', 'Sign in with MFA, legacy API (seed 002)'],
  ['vanilla.html', 'Sign in with MFA, vanilla clerk-js (seed 002)'],
  ['sign-up.html', 'Sign up with an email code'],
  ['email-code.html', 'Sign in with an email code'],
  ['status.html', 'Session status and token'],
]

createRoot(document.getElementById('root')!).render(
  <>
    <h1>Clerk's SDK against authflows</h1>
    <ul>
      {pages.map(([href, title]) => (
        <li key={href}>
          <a href={href}>{title}</a>
        </li>
      ))}
    </ul>
  </>,
)
