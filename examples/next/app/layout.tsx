import type { ReactNode } from 'react'

export const metadata = { title: 'upload-webhooks · Next.js example', icons: { icon: '/favicon.svg' } }

// System fonts only (public/delivery-log.css): the build must not fetch web fonts.
export default function RootLayout({ children }: { children: ReactNode }) {
  return (
    <html lang="en">
      <body>
        <link rel="stylesheet" href="/delivery-log.css" precedence="default" />
        {children}
      </body>
    </html>
  )
}
