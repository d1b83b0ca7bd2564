import { expect, it } from 'vitest'
import { relativeReadmeLinks } from './readme-links.js'

it('reports relative link, image, reference and HTML targets', () => {
  const readme = [
    'See [core](../core) and ![logo](docs/logo.png).',
    '<a href="./CHANGELOG.md">changes</a>',
    '[options]: src/options.ts',
  ].join('\n')
  expect(relativeReadmeLinks(readme)).toEqual(['../core', 'docs/logo.png', 'src/options.ts', './CHANGELOG.md'])
})

it('accepts absolute URLs, mail links and in-page anchors, and ignores fenced code', () => {
  const readme = [
    'See [core](https://www.npmjs.com/package/@upload-webhooks/core), [us](mailto:a@example.com), [options](#options).',
    '```ts',
    "const link = '[not a link](../core)'",
    '```',
  ].join('\n')
  expect(relativeReadmeLinks(readme)).toEqual([])
})
