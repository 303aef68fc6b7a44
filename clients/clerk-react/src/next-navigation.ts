// Stands in for Next.js's `next/navigation` in the seeds' pages (they are Next.js App Router
// pages; here they are plain React pages): router.push() is a full navigation.
export function useRouter() {
  return {
    push(url: string) {
      window.location.assign(url)
    },
  }
}
