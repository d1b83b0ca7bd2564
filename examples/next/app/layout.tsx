import type { ReactNode } from 'react'

export const metadata = { title: 'upload-webhooks · Next.js example' }

// System fonts only: the build must not fetch web fonts.
export default function RootLayout({ children }: { children: ReactNode }) {
  return (
    <html lang="en">
      <body style={{ fontFamily: 'system-ui, sans-serif', margin: '2rem' }}>{children}</body>
    </html>
  )
}
