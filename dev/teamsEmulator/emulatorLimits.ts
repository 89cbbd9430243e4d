import { z } from 'zod';

import { type RateWindow } from './rateLimiter';

/** The limits the emulator enforces; all of them can be changed through `PUT /_control/limits`. */
export interface EmulatorLimits {
  /** Per bot per conversation ("thread"), all windows at once. */
  conversation: RateWindow[];
  /** Per app per tenant, over every Connector request. */
  tenant: RateWindow[];
  /** Largest request body, counted as Teams counts it: UTF-16, i.e. two bytes per UTF-16 code unit. */
  messageSizeLimitInBytes: number;
  /** Lifetime of the access tokens the Entra-style endpoint issues. */
  tokenLifetimeInSeconds: number;
}

/**
 * Teams' documented figures: "Optimize your bot with rate limiting in Teams" (per bot per thread: 7/1 s,
 * 8/2 s, 60/30 s, 1800/3600 s; global per app per tenant: 50 RPS) and "Format your bot messages" (100 KB,
 * counted as UTF-16; over it Teams answers 413 MessageSizeTooBig).
 */
export function defaultEmulatorLimits(tokenLifetimeInSeconds = 3600): EmulatorLimits {
  return {
    conversation: [
      { limit: 7, periodInSeconds: 1 },
      { limit: 8, periodInSeconds: 2 },
      { limit: 60, periodInSeconds: 30 },
      { limit: 1800, periodInSeconds: 3600 },
    ],
    tenant: [{ limit: 50, periodInSeconds: 1 }],
    messageSizeLimitInBytes: 100 * 1024,
    tokenLifetimeInSeconds,
  };
}

const rateWindowSchema = z.object({
  limit: z.number().int().positive(),
  periodInSeconds: z.number().positive(),
});

/** `PUT /_control/limits` body: any subset; an empty window list switches that limit off. */
export const limitsUpdateSchema = z
  .object({
    conversation: z.array(rateWindowSchema),
    tenant: z.array(rateWindowSchema),
    messageSizeLimitInBytes: z.number().int().positive(),
    tokenLifetimeInSeconds: z.number().int().positive(),
  })
  .partial()
  .strict();

export type LimitsUpdate = z.infer<typeof limitsUpdateSchema>;

export function applyLimitsUpdate(limits: EmulatorLimits, update: LimitsUpdate): EmulatorLimits {
  return {
    conversation: update.conversation ?? limits.conversation,
    tenant: update.tenant ?? limits.tenant,
    messageSizeLimitInBytes: update.messageSizeLimitInBytes ?? limits.messageSizeLimitInBytes,
    tokenLifetimeInSeconds: update.tokenLifetimeInSeconds ?? limits.tokenLifetimeInSeconds,
  };
}
