import { fromEnv } from '@aws-sdk/credential-provider-env';

/**
 * Stands in for `@aws-sdk/credential-provider-node` in the Lambda bundles (an esbuild alias in
 * infra/bundling.ts): Lambda hands every function its role's credentials in the environment, so the
 * rest of the default chain (SSO, ini files, process, web identity and their STS/SSO clients, about
 * 140 KB of each bundle) is never used there and only costs cold-start time. Tests and `npm start`
 * run the sources, with the SDK's own default chain.
 */
export const defaultProvider = (init?: Parameters<typeof fromEnv>[0]): ReturnType<typeof fromEnv> =>
  fromEnv(init);

/** The same answers as the real module's helpers: environment credentials never expire on their own. */
export const credentialsWillNeedRefresh = () => false;
export const credentialsTreatedAsExpired = () => false;
