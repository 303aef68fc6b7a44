// Seed 002's vanilla clerk-js main.js. Changes, each marked "authflows:" below:
// - new Clerk(pubKey, { proxyUrl }): the Frontend API is this site's /__clerk;
// - the published snippet calls a bare setActive() and router.push(), which do not exist
//   outside React: clerk.setActive() and window.location;
// - it reads formData.get('totp') while the input is named "code", and submits the checkbox's
//   "on" as the code: the code is read from "code";
// - the verification form lacked e.preventDefault(), so the browser reloaded the page;
// - mountUserButton() needs Clerk's prebuilt UI (@clerk/ui, not used here): the signed-in
//   view shows the user's address instead.
import { Clerk } from '@clerk/clerk-js'

const pubKey = import.meta.env.VITE_CLERK_PUBLISHABLE_KEY

const clerk = new Clerk(pubKey, { proxyUrl: '/__clerk' }) // authflows: proxyUrl
await clerk.load({ telemetry: false })

if (clerk.isSignedIn) {
  // Mount user button component
  document.getElementById('signed-in').innerHTML = `
    <div id="user-button"></div>
  `

  const userbuttonDiv = document.getElementById('user-button')

  // authflows: the address instead of clerk.mountUserButton(userbuttonDiv)
  userbuttonDiv.textContent = clerk.user.primaryEmailAddress.emailAddress
  document.getElementById('sign-in').setAttribute('hidden', '')
} else if (clerk.session?.currentTask) {
  // Handle pending session tasks
  // See https://clerk.com/docs/guides/development/custom-flows/authentication/session-tasks
  switch (clerk.session.currentTask.key) {
    case 'choose-organization': {
      document.getElementById('app').innerHTML = `
        <div id="task"></div>
      `

      const taskDiv = document.getElementById('task')

      clerk.mountTaskChooseOrganization(taskDiv)
    }
  }
} else {
  // Handle the sign-in form
  document.getElementById('sign-in-form').addEventListener('submit', async (e) => {
    e.preventDefault()

    const formData = new FormData(e.target)
    const emailAddress = formData.get('email')
    const password = formData.get('password')

    try {
      // Start the sign-in process
      await clerk.client.signIn.create({
        identifier: emailAddress,
        password,
      })

      // Hide sign-in form
      document.getElementById('sign-in').setAttribute('hidden', '')
      // Show verification form
      document.getElementById('verifying').removeAttribute('hidden')
    } catch (error) {
      // See https://clerk.com/docs/guides/development/custom-flows/error-handling
      // for more info on error handling
      console.error(error)
    }
  })

  // Handle the verification form
  document.getElementById('verifying').addEventListener('submit', async (e) => {
    e.preventDefault() // authflows: added

    const formData = new FormData(e.target)
    const totp = formData.get('code') // authflows: the input is named "code"
    const backupCode = formData.get('backupCode')

    try {
      const useBackupCode = backupCode ? true : false
      const code = totp // authflows: was `backupCode ? backupCode : totp` (the checkbox's "on")

      // Attempt the TOTP or backup code verification
      const signInAttempt = await clerk.client.signIn.attemptSecondFactor({
        strategy: useBackupCode ? 'backup_code' : 'totp',
        code: code,
      })

      // If verification was completed, set the session to active
      // and redirect the user
      if (signInAttempt.status === 'complete') {
        await clerk.setActive({
          // authflows: clerk.setActive
          session: signInAttempt.createdSessionId,
          navigate: async ({ session, decorateUrl }) => {
            if (session?.currentTask) {
              // Handle pending session tasks
              // See https://clerk.com/docs/guides/development/custom-flows/authentication/session-tasks
              console.log(session?.currentTask)
              return
            }

            const url = decorateUrl('/')
            if (url.startsWith('http')) {
              window.location.href = url
            } else {
              window.location.assign(url) // authflows: was router.push(url)
            }
          },
        })

        location.reload()
      } else {
        // If the status is not complete, check why. User may need to
        // complete further steps.
        console.error(signInAttempt)
      }
    } catch (error) {
      // See https://clerk.com/docs/guides/development/custom-flows/error-handling
      // for more info on error handling
      console.error(error)
    }
  })
}
