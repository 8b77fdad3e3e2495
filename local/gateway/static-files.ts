import { readFile } from 'node:fs/promises';
import type { ServerResponse } from 'node:http';
import { fileURLToPath } from 'node:url';

const WEB_DIR = fileURLToPath(new URL('../web/', import.meta.url));

const FILES: Record<string, { file: string; type: string }> = {
  '/': { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/index.html': { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/app.js': { file: 'app.js', type: 'text/javascript; charset=utf-8' },
  '/styles.css': { file: 'styles.css', type: 'text/css; charset=utf-8' },
  '/favicon.svg': { file: 'favicon.svg', type: 'image/svg+xml' },
};

export const isStaticPath = (path: string) => Object.hasOwn(FILES, path);

/**
 * Serves the demo page from local/web (read on every request, so edits show on reload). `%NAME%`
 * placeholders in the HTML are replaced from `vars` (values are HTML-escaped).
 */
export async function serveStatic(
  res: ServerResponse,
  path: string,
  vars: Record<string, string>,
  head: boolean,
) {
  const spec = FILES[path];
  if (!spec) return false;
  let content = await readFile(`${WEB_DIR}${spec.file}`);
  if (spec.file.endsWith('.html')) {
    const escapeHtml = (v: string) =>
      v.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
    content = Buffer.from(
      content
        .toString('utf8')
        .replace(/%([A-Z_]+)%/g, (m, name: string) => (name in vars ? escapeHtml(vars[name] as string) : m)),
    );
  }
  res.writeHead(200, {
    'content-type': spec.type,
    'content-length': content.length,
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
  });
  res.end(head ? undefined : content);
  return true;
}
