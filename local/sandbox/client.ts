/** JSON calls to a running sandbox: its Partnero API (with the key) and its `/__sandbox` test controls. */
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
        { authorization: `Bearer ${sandbox.apiKey}`, accept: 'application/json' },
        body,
      ),
    // biome-ignore lint/suspicious/noExplicitAny: as above
    control: async (method: string, path: string, body?: unknown): Promise<any> =>
      (await call(`${sandbox.url}/__sandbox${path}`, method, {}, body)).body,
  };
}
