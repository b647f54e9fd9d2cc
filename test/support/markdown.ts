import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

/**
 * Just enough of GitHub-flavoured Markdown to check a repository's own docs: code blocks, headings,
 * anchors and links, the way GitHub renders them.
 */

/** The Markdown pages of the repository: the root's *.md files and docs/*.md, as paths from `root`. */
export function markdownPages(root: string): string[] {
  const top = readdirSync(root).filter((f) => f.endsWith('.md'));
  const docs = existsSync(join(root, 'docs'))
    ? readdirSync(join(root, 'docs'))
        .filter((f) => f.endsWith('.md'))
        .map((f) => `docs/${f}`)
    : [];
  return [...top, ...docs].sort();
}

/** A fenced code block: its info string, its first code line (1-based), its code, and the 0-based lines of its fences. */
export interface CodeBlock {
  readonly info: string;
  readonly line: number;
  readonly code: string;
  readonly fences: readonly [number, number];
}

/** Fenced code blocks (``` or ~~~, at any indentation); one left open runs to the end of the page. */
export function codeBlocks(markdown: string): CodeBlock[] {
  const blocks: CodeBlock[] = [];
  const lines = markdown.split('\n');
  let open: { fence: string; info: string; start: number } | undefined;
  const close = (end: number) => {
    const code = lines.slice(open!.start + 1, end).join('\n');
    blocks.push({ info: open!.info, line: open!.start + 2, code, fences: [open!.start, end] });
    open = undefined;
  };
  lines.forEach((text, i) => {
    const fence = /^\s*(`{3,}|~{3,})\s*([^`\s]*)/.exec(text);
    if (!fence) return;
    if (!open) open = { fence: fence[1]!, info: fence[2]!, start: i };
    else if (fence[1]![0] === open.fence[0] && fence[1]!.length >= open.fence.length && !fence[2]) close(i);
  });
  if (open) close(lines.length);
  return blocks;
}

/** The text GitHub renders as prose: fenced code blocks and HTML comments blanked out, line numbers kept. */
function prose(markdown: string): string {
  const lines = markdown.split('\n');
  for (const { fences } of codeBlocks(markdown)) {
    for (let i = fences[0]; i <= fences[1] && i < lines.length; i++) lines[i] = '';
  }
  return lines.join('\n').replace(/<!--[\s\S]*?-->/g, (comment) => comment.replace(/[^\n]/g, ''));
}

/** Inline code spans blanked out, so that `[a](b)` inside one is not taken for a link. */
function withoutCodeSpans(text: string): string {
  return text.replace(/(?<!`)(`+)(?!`)[\s\S]*?(?<!`)\1(?!`)/g, (span) => span.replace(/[^\n]/g, ' '));
}

/**
 * GitHub's anchor for a heading (github-slugger): the rendered text lower-cased, every character
 * that is not a letter, a mark, a digit, a connector (`_`), a hyphen or a space removed, then each
 * space replaced by a hyphen.
 */
export function slug(heading: string): string {
  const text = heading
    .replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/<[^>]+>/g, '')
    .replace(/[`*]/g, '');
  return text
    .toLowerCase()
    .replace(/[^\p{L}\p{M}\p{N}\p{Pc}\- ]/gu, '')
    .replace(/ /g, '-');
}

/** Every anchor a page defines: one per heading (repeats get -1, -2, …), and every `<a id|name="…">`. */
export function anchors(markdown: string): Set<string> {
  const text = prose(markdown);
  const seen = new Map<string, number>();
  const out = new Set<string>();
  const lines = text.split('\n');
  lines.forEach((line, i) => {
    const atx = /^ {0,3}#{1,6}\s+(.*?)(?:\s+#+)?\s*$/.exec(line);
    const setext = /^ {0,3}(=+|-+)\s*$/.test(lines[i + 1] ?? '') && line.trim() !== '' && !/^\s*[-*|]/.test(line);
    const heading = atx ? atx[1]! : setext ? line.trim() : undefined;
    if (heading === undefined) return;
    const base = slug(heading);
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    out.add(n === 0 ? base : `${base}-${n}`);
  });
  for (const m of text.matchAll(/<a\s[^>]*\b(?:id|name)="([^"]+)"/g)) out.add(m[1]!);
  return out;
}

/** Every link and image target of a page outside code, with its line: inline, reference definitions, href. */
export function links(markdown: string): { target: string; line: number }[] {
  const text = withoutCodeSpans(prose(markdown));
  const lineOf = (index: number) => text.slice(0, index).split('\n').length;
  const out: { target: string; line: number }[] = [];
  for (const m of text.matchAll(/!?\[[^\]]*\]\(\s*<?([^)\s>]*)>?(?:\s+"[^"]*")?\s*\)/g)) {
    out.push({ target: m[1]!, line: lineOf(m.index) });
  }
  for (const m of text.matchAll(/^ {0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s|$)/gm)) {
    out.push({ target: m[1]!, line: lineOf(m.index) });
  }
  for (const m of text.matchAll(/<a\s[^>]*\bhref="([^"]*)"/g)) out.push({ target: m[1]!, line: lineOf(m.index) });
  return out;
}

/** How the checker reads files; tests pass their own. */
export interface Files {
  read(path: string): string;
  exists(path: string): boolean;
}

const disk: Files = { read: (path) => readFileSync(path, 'utf8'), exists: existsSync };

/**
 * The relative links of `page` (a path from `root`) that do not resolve: a file that does not exist,
 * or an `#anchor` that the target page (or this one) does not define. External links are not checked.
 */
export function brokenLinks(root: string, page: string, files: Files = disk): string[] {
  const problems: string[] = [];
  const anchorCache = new Map<string, Set<string>>();
  const anchorsOf = (file: string) => {
    if (!anchorCache.has(file)) anchorCache.set(file, anchors(files.read(file)));
    return anchorCache.get(file)!;
  };
  const from = resolve(root, page);
  for (const { target, line } of links(files.read(from))) {
    if (/^[a-z][a-z0-9+.-]*:/i.test(target) || target.startsWith('//')) continue;
    const hash = target.indexOf('#');
    const path = decodeURIComponent(hash < 0 ? target : target.slice(0, hash));
    const fragment = hash < 0 ? undefined : decodeURIComponent(target.slice(hash + 1));
    const file = path === '' ? from : resolve(dirname(from), path);
    const where = `${page}:${line}: ${target}`;
    if (target === '') {
      problems.push(`${where}: empty link`);
    } else if (relative(root, file).startsWith('..')) {
      problems.push(`${where}: points outside the repository`);
    } else if (!files.exists(file)) {
      problems.push(`${where}: no file ${relative(root, file)}`);
    } else if (fragment !== undefined && file.endsWith('.md')) {
      if (!anchorsOf(file).has(fragment))
        problems.push(`${where}: no heading or anchor #${fragment} in ${relative(root, file)}`);
    } else if (fragment !== undefined && !/^L\d+(-L\d+)?$/.test(fragment)) {
      problems.push(`${where}: #${fragment} is not a line anchor (#L12 or #L12-L20) of ${relative(root, file)}`);
    }
  }
  return problems;
}
