import { createPartneroAdmin } from '#tools/cli/partnero-webhooks.js';

export const PARTNERO_URL = 'https://api.partnero.test/v1';

export interface FakeCall {
  method: string;
  path: string;
  body: unknown;
}

type Answer = [status: number, body?: unknown];
type Route = (call: FakeCall) => Answer | undefined;

const page = (data: unknown[]) => ({
  status: 1,
  data,
  links: {},
  meta: { current_page: 1, last_page: 1, per_page: 250, total: data.length },
});

/**
 * A Partnero that answers `route` first and else like an empty refer-a-friend program (customers: [],
 * no partners route, no webhooks); every call is recorded.
 */
export function fakePartnero(route: Route = () => undefined) {
  const calls: FakeCall[] = [];
  const fetch = (async (input: string | URL | Request, init?: RequestInit) => {
    const url = new URL(String(input));
    const call: FakeCall = {
      method: init?.method ?? 'GET',
      path: url.pathname.replace(/^\/v1/, ''),
      body: typeof init?.body === 'string' ? JSON.parse(init.body) : undefined,
    };
    calls.push(call);
    const [status, body] =
      route(call) ??
      (call.path === '/customers' || call.path === '/webhooks'
        ? [200, page([])]
        : [404, { message: 'Not found.' }]);
    return new Response(body === undefined ? null : JSON.stringify(body), {
      status,
      headers: { 'content-type': 'application/json' },
    });
  }) as typeof globalThis.fetch;
  return {
    calls,
    admin: (apiKey: string) => createPartneroAdmin({ baseUrl: PARTNERO_URL, apiKey, fetch }),
    page,
  };
}
