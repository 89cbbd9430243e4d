import { type GatewayConfig } from '../config';
import { createOutboundCredential, type OutboundCredential } from './outboundCredential';
import { OutboundTokenError, toOutboundTokenError } from './outboundTokenError';
import { backgroundRetryDelayInMs, planTokenLifetime, tokenFreshness,type TokenLifetimePlan } from './outboundTokenTiming';

/** Bot tokens for the Bot Connector, cached in-process and refreshed ahead of expiry. */
export interface OutboundTokenProvider {
  /** A token that is valid now. Throws OutboundTokenError (code TokenAcquisitionFailed) when none can be had. */
  getToken(): Promise<string>;
  /**
   * Drops the cached token and gets a newly issued one (every library cache skipped). With `rejectedToken`
   * (the token a 401 came back for), a caller whose token was already replaced by a concurrent refresh just
   * gets the replacement: a burst of 401s costs one token request, not one each.
   */
  forceRefresh(rejectedToken?: string): Promise<string>;
}

export interface OutboundTokenProviderOptions {
  /** Issues tokens; by default built from the configured bot identity and cloud. */
  credential?: OutboundCredential;
  /** The clock of every decision. */
  now?: () => Date;
  /** How long one token acquisition may take; defaults to the delivery request timeout. */
  acquisitionTimeoutInMs?: number;
  /** Where background refresh failures are reported (code and message only, never a token). */
  warn?: (message: string, properties: Record<string, unknown>) => void;
}

interface CachedToken {
  token: string;
  plan: TokenLifetimePlan;
}

export function createOutboundTokenProvider(config: Pick<GatewayConfig, 'bot' | 'cloud' | 'delivery'>, options: OutboundTokenProviderOptions = {}): OutboundTokenProvider {
  const credential = options.credential ?? createOutboundCredential(config);
  const now = (): number => (options.now ?? (() => new Date()))().getTime();
  const acquisitionTimeoutInMs = options.acquisitionTimeoutInMs ?? config.delivery.requestTimeoutInMs;
  const warn = options.warn ?? ((message, properties) => console.warn(message, properties));

  let cached: CachedToken | undefined;
  // Single flight: at most one token request at a time; everyone who needs a new token awaits this one.
  let inFlight: Promise<string> | undefined;
  let nextBackgroundAttemptAt = 0;

  async function issue(): Promise<string> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      // Neither MSAL's client-credential nor its managed-identity call takes an abort signal, so the wait is
      // bounded here; a late answer is dropped.
      timer = setTimeout(() => reject(new OutboundTokenError('timeout', `Bot token acquisition took longer than ${acquisitionTimeoutInMs} ms`)), acquisitionTimeoutInMs);
      timer.unref();
    });
    try {
      const issued = await Promise.race([credential.issueToken(), timeout]);
      cached = { token: issued.token, plan: planTokenLifetime(issued, now()) };
      return issued.token;
    } catch (thrown) {
      throw toOutboundTokenError(thrown);
    } finally {
      clearTimeout(timer);
    }
  }

  function startIssue(): Promise<string> {
    const tracked: Promise<string> = issue().finally(() => {
      if (inFlight === tracked) inFlight = undefined;
    });
    inFlight = tracked;
    return tracked;
  }

  function refreshInBackground(current: CachedToken, at: number): void {
    if (inFlight !== undefined || at < nextBackgroundAttemptAt) return;
    startIssue().catch((thrown: unknown) => {
      const error = toOutboundTokenError(thrown);
      nextBackgroundAttemptAt = now() + backgroundRetryDelayInMs(current.plan);
      warn('Background refresh of the bot token failed; the cached token is still served', {
        tokenErrorCode: error.tokenErrorCode,
        message: error.message,
        expiresOn: new Date(current.plan.expiresOn).toISOString(),
      });
    });
  }

  return {
    async getToken() {
      const at = now();
      const current = cached;
      if (current !== undefined) {
        const freshness = tokenFreshness(current.plan, at);
        if (freshness === 'fresh') return current.token;
        if (freshness === 'refreshDue') {
          refreshInBackground(current, at);
          return current.token;
        }
      }
      return inFlight ?? startIssue();
    },

    async forceRefresh(rejectedToken?: string) {
      const current = cached;
      if (rejectedToken !== undefined && current !== undefined && current.token !== rejectedToken && tokenFreshness(current.plan, now()) !== 'unusable') {
        return current.token;
      }
      cached = undefined;
      // An acquisition already running started after the rejected token was cached, and skips every library
      // cache, so its token is new: join it.
      return inFlight ?? startIssue();
    },
  };
}
