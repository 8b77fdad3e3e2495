export { isSecretError, SecretError, type SecretErrorCode } from './errors.js';
export { type PartneroSecret, parsePartneroSecret } from './parse-secret.js';
export {
  createSecretProvider,
  type PartneroSecretProvider,
  type RefreshableValue,
  type SecretProviderOptions,
} from './secret-provider.js';
