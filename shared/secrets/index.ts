export { type CachedSecret, type CachedSecretOptions, createCachedSecret } from './cached-secret.js';
export { isSecretError, SecretError, type SecretErrorCode } from './errors.js';
export { type PartneroSecret, parsePartneroSecret, readSecretValue, secretField } from './parse-secret.js';
export {
  createSecretProvider,
  type PartneroSecretProvider,
  type RefreshableValue,
  type SecretProviderOptions,
} from './secret-provider.js';
