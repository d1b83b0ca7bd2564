'use client'
import { useEffect } from 'react'

/** Loads the live log's script after hydration, so React never meets the rows it adds (the same script as the other examples'). */
export function LoadDeliveryLog(): null {
  useEffect(() => {
    const script = document.createElement('script')
    script.src = '/delivery-log.js'
    document.body.append(script)
  }, [])
  return null
}
