import { PUBLISHED_SHAPES_HEADER } from './variants.js';

/**
 * JSON calls to a running sandbox: its Partnero API (with the key) and its `/__sandbox` test controls.
 * The API calls ask for the published shapes, so a test arranges and checks state the same way whether
 * or not the sandbox runs in variants mode.
 */
export function sandboxClient(sandbox: { url: string; apiUrl: string; apiKey: string }) {
  const call = async (url: string, method: string, headers: Record<string, string>, body?: unknown) => {
    const res = await fetch(url, {
      method,
      headers: { 'content-type': 'application/json', ...headers },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    // biome-ignore lint/suspicious/noExplicitAny: callers read the sandbox's JSON as they know it
    return { status: res.status, body: (text ? JSON.parse(text) : undefined) as any };
  };
  return {
    api: (method: string, path: string, body?: unknown) =>
      call(
        `${sandbox.apiUrl}${path}`,
        method,
        {
          authorization: `Bearer ${sandbox.apiKey}`,
          accept: 'application/json',
          [PUBLISHED_SHAPES_HEADER]: 'published',
        },
        body,
      ),
    // biome-ignore lint/suspicious/noExplicitAny: as above
    control: async (method: string, path: string, body?: unknown): Promise<any> =>
      (await call(`${sandbox.url}/__sandbox${path}`, method, {}, body)).body,
  };
}
