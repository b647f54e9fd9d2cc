import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { anchors, brokenLinks, links, markdownPages, slug } from '../support/markdown';

/** Every relative link of the README, SECURITY.md and docs/*.md names a file that exists and a heading it has. */
const root = resolve(__dirname, '../..');
const pages = markdownPages(root);

describe('documentation links', () => {
  it('finds the pages', () => {
    expect(pages).toEqual(expect.arrayContaining(['README.md', 'SECURITY.md', 'docs/cli.md', 'docs/runtime.md']));
  });

  it.each(pages)('%s links only to files and headings that exist', (page) => {
    expect(brokenLinks(root, page)).toEqual([]);
  });
});

describe('the link checker', () => {
  it('makes anchors as GitHub does', () => {
    expect(slug('The `webhook-gateway` command')).toBe('the-webhook-gateway-command');
    expect(slug("The operator's part")).toBe('the-operators-part');
    expect(slug('Quick start: run it on your laptop (five minutes, no AWS account)')).toBe(
      'quick-start-run-it-on-your-laptop-five-minutes-no-aws-account',
    );
    expect(slug('`WebhookSource.apiKey({ header?, queryParameter? })`: a static key')).toBe(
      'webhooksourceapikey-header-queryparameter--a-static-key',
    );
    expect(slug('**`webAcl`** and [the docs](x.md) — in_depth')).toBe('webacl-and-the-docs--in_depth');
    expect(slug('Événements: clés')).toBe('événements-clés');
  });

  it('numbers repeated headings and reads explicit anchors, but not headings inside code', () => {
    const page = ['# Usage', '## Usage', '```sh', '# not a heading', '```', 'Setext', '---', '<a id="l1"></a>**L1.**'];
    expect([...anchors(page.join('\n'))]).toEqual(['usage', 'usage-1', 'setext', 'l1']);
  });

  it('takes links from prose only, not from code or comments', () => {
    const page = [
      'See [a](a.md#x), ![b](b.png) and `[c](c.md)`.',
      '```md',
      '[d](d.md)',
      '```',
      '<!-- [e](e.md) -->',
      '[f]: f.md',
      '<a href="g.md">g</a>',
    ];
    expect(links(page.join('\n'))).toEqual([
      { target: 'a.md#x', line: 1 },
      { target: 'b.png', line: 1 },
      { target: 'f.md', line: 6 },
      { target: 'g.md', line: 7 },
    ]);
  });

  it('reports a missing file, a missing heading and a bad line anchor, and passes good ones', () => {
    const files: Record<string, string> = {
      [resolve(root, 'docs/page.md')]: [
        '# Page',
        '[ok](#page) [ok](../README.md#two-commands) [ok](../package.json) [ok](https://example.com/#x)',
        '[missing](nope.md) [no heading](#nope) [no heading](../README.md#nope) [bad](../package.json#top)',
      ].join('\n'),
      [resolve(root, 'README.md')]: '# Title\n## Two commands\n',
    };
    const read = (p: string) => files[p] ?? '';
    const exists = (p: string) => p in files || p === resolve(root, 'package.json');
    expect(brokenLinks(root, 'docs/page.md', { read, exists })).toEqual([
      'docs/page.md:3: nope.md: no file docs/nope.md',
      'docs/page.md:3: #nope: no heading or anchor #nope in docs/page.md',
      'docs/page.md:3: ../README.md#nope: no heading or anchor #nope in README.md',
      'docs/page.md:3: ../package.json#top: #top is not a line anchor (#L12 or #L12-L20) of package.json',
    ]);
  });
});
