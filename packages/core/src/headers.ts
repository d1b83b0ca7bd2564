/** Request headers as a web `Headers` object or a Node-style lower-cased record. */
export type HeaderBag = Headers | Readonly<Record<string, string | readonly string[] | undefined>>

/**
 * Reads one header from web `Headers` or a Node-style record. `name` must be lower-case.
 * Repeated headers come back joined with ", " (as Node joins them), so a doubled
 * signature header never verifies by accident.
 */
export function getHeader(headers: HeaderBag, name: string): string | undefined {
  if (typeof (headers as Headers).get === 'function') return (headers as Headers).get(name) ?? undefined
  const value = (headers as Record<string, string | readonly string[] | undefined>)[name]
  if (value === undefined || typeof value === 'string') return value
  return value.join(', ')
}
