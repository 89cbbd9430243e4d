/**
 * How status callbacks are configured (shared/config.ts reads them). Callbacks are on when an allowlist
 * and a signing secret are set; otherwise a request with `callback` is refused.
 */
export interface CallbackSettings {
  /** CallbackAllowedHosts: host names, `*.domain` for subdomains (callbackHosts.ts). */
  allowedHosts: readonly string[];
  /**
   * CallbackAllowPrivateNetwork: private, loopback and link-local receivers allowed. Only for the local host
   * (`npm start` and tests); config refuses it on an Azure instance.
   */
  allowPrivateNetwork: boolean;
  /** CallbackSigningSecret: the HMAC-SHA256 key (Key Vault in Azure). Never logged. */
  signingSecret: string;
  /** First retry delay, doubling per attempt (callbackRetry.ts); not a setting: tests shorten it. */
  retryBaseInMs: number;
}

/** What a request's `callback.url` is checked against: absent when callbacks are not enabled. */
export type CallbackUrlPolicy = Pick<CallbackSettings, 'allowedHosts' | 'allowPrivateNetwork'>;
