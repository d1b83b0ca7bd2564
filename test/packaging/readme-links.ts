// A README is shown on the registry page without the repository around it: relative links
// (`../core`, `src/index.ts`) lead nowhere there.

const markdownLink = /!?\[[^\]]*\]\(\s*<?([^)\s>]+)/g
const referenceDefinition = /^\s*\[[^\]]+\]:\s*<?(\S+?)>?(?:\s|$)/gm
const htmlAttribute = /\b(?:href|src)\s*=\s*["']([^"']+)["']/g
const absolute = /^(?:https?:\/\/|mailto:|#)/

/** Link targets in `markdown` that are not absolute URLs or in-page anchors; fenced code is skipped. */
export function relativeReadmeLinks(markdown: string): string[] {
  const prose = markdown.replace(/^(```|~~~)[^\n]*\n[\s\S]*?^\1[^\n]*$/gm, '')
  const targets = [markdownLink, referenceDefinition, htmlAttribute].flatMap((pattern) =>
    [...prose.matchAll(pattern)].map((match) => match[1]!),
  )
  return targets.filter((target) => !absolute.test(target))
}
