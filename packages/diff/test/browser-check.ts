import { spawnSync } from 'node:child_process';
import { accessSync, constants, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { marked } from 'marked';

/**
 * Renders a PR comment the way a reviewer sees it — GitHub-flavoured markdown to HTML, GitHub's
 * markdown stylesheet (github-markdown-css), inside a comment box as wide as GitHub draws one in a
 * 1000 px window (page padding 16 px, avatar gutter 56 px, comment padding 16 px: 880 px of text) —
 * and measures it in headless Chromium (the Debian package; `tooling/ensure` installs it).
 */

const require = createRequire(import.meta.url);

export function chromiumPath(): string | undefined {
  for (const name of ['chromium', 'chromium-browser', 'google-chrome']) {
    for (const dir of (process.env.PATH ?? '').split(':')) {
      try {
        accessSync(join(dir, name), constants.X_OK);
        return join(dir, name);
      } catch {
        // next
      }
    }
  }
  return undefined;
}

export interface CommentLayout {
  /** The page's scroll width: more than the window means the comment runs off the side. */
  pageWidth: number;
  windowWidth: number;
  /** Code blocks and tables that scroll sideways inside themselves (text hidden until scrolled). */
  overflowing: string[];
  /** Risk lines (🔴 🟠 🔵), and how many of them are hidden (inside a closed <details>, or not laid out). */
  risks: number;
  hiddenRisks: number;
  /** Whether every section's risks come before its first <details>. */
  risksBeforeDetails: boolean;
}

const MEASURE = `
<script>
addEventListener('load', () => {
  const all = (sel) => [...document.querySelectorAll(sel)];
  const overflowing = all('.markdown-body pre, .markdown-body table, .markdown-body code, .markdown-body p, .markdown-body li')
    .filter((e) => e.scrollWidth > e.clientWidth + 1 && getComputedStyle(e).display !== 'inline')
    .map((e) => e.tagName + ': ' + e.textContent.slice(0, 80));
  const risks = all('.markdown-body li').filter((li) => /^(🔴|🟠|🔵)/.test(li.textContent.trim()));
  const hidden = risks.filter((li) => li.closest('details:not([open])') || li.getClientRects().length === 0 || li.getBoundingClientRect().width === 0);
  let ordered = true;
  for (const h of all('.markdown-body h3')) {
    let risksSeen = false;
    for (let e = h.nextElementSibling; e && e.tagName !== 'H3'; e = e.nextElementSibling) {
      if (e.textContent.startsWith('Risks')) risksSeen = true;
      if (e.tagName === 'DETAILS' && !risksSeen && !e.querySelector('summary').textContent.includes('production backlog')) ordered = false;
    }
  }
  const out = { pageWidth: document.documentElement.scrollWidth, windowWidth: innerWidth, overflowing, risks: risks.length, hiddenRisks: hidden.length, risksBeforeDetails: ordered };
  document.getElementById('layout-result').textContent = JSON.stringify(out);
});
</script>`;

export function commentHtml(markdown: string): string {
  const css = readFileSync(require.resolve('github-markdown-css/github-markdown-light.css'), 'utf8');
  const body = marked.parse(markdown, { gfm: true, async: false });
  return `<!doctype html><html><head><meta charset="utf-8"><style>${css}
body { margin: 0; padding: 0 16px; font-size: 14px; }
.comment { margin-left: 56px; border: 1px solid #d0d7de; border-radius: 6px; }
.markdown-body { box-sizing: border-box; padding: 16px; min-width: 0; }
</style></head><body><div class="comment"><article class="markdown-body">${body}</article></div><pre id="layout-result" hidden></pre>${MEASURE}</body></html>`;
}

/** Loads the HTML in headless Chromium at `width` px, in a network namespace of its own (nothing can leave), and returns the measurements. */
export function measureInChromium(html: string, width = 1000): CommentLayout {
  const chromium = chromiumPath();
  if (!chromium) throw new Error('chromium is not installed: run `node tooling/ensure/ensure.mjs` as root (it apt-installs the Debian package) or `apt-get install chromium`');
  const dir = mkdtempSync(join(tmpdir(), 'comment-html-'));
  try {
    const file = join(dir, 'comment.html');
    writeFileSync(file, html);
    const args = [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-dev-shm-usage',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--disable-default-apps',
      '--disable-domain-reliability',
      '--host-resolver-rules=MAP * ~NOTFOUND',
      '--proxy-server=127.0.0.1:9',
      `--user-data-dir=${join(dir, 'profile')}`,
      `--window-size=${width},900`,
      '--virtual-time-budget=3000',
      '--dump-dom',
      `file://${file}`,
    ];
    // unshare -n: a network namespace with only a (down) loopback; root on this machine kind.
    const r = process.getuid?.() === 0 ? spawnSync('unshare', ['--net', chromium, ...args], { encoding: 'utf8', timeout: 60_000 }) : spawnSync(chromium, args, { encoding: 'utf8', timeout: 60_000 });
    const m = /<pre id="layout-result" hidden="">([^<]*)<\/pre>/.exec(r.stdout ?? '');
    if (!m?.[1]) throw new Error(`chromium produced no measurement (exit ${r.status ?? r.signal}): ${(r.stderr ?? '').split('\n').slice(-5).join(' ')}`);
    return JSON.parse(m[1].replace(/&amp;/g, '&').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"')) as CommentLayout;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
