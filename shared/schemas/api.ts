/**
 * Request schemas of the HTTP API, one module per route family so that each function's bundle builds
 * only its own. `npm run openapi` generates docs/openapi.json from them, so the handlers and the
 * document cannot disagree.
 */
export * from './credit-route.js';
export * from './referral-routes.js';
export * from './transaction-routes.js';
