/**
 * The conversation `npm start` prepares so the printed curl line works at once: the bot installed in personal
 * scope for a demo user, through the emulator's control API, which delivers the signed installationUpdate and
 * conversationUpdate to the gateway exactly as Teams would. The user is fixed across runs; the conversation id
 * is Teams-shaped and new each run (the emulator keeps no state).
 */
export const demoUser = {
  aadObjectId: '6f1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d',
  name: 'Demo User',
} as const;

export interface DemoConversation {
  conversationId: string;
  tenantId: string;
  /** What the gateway answered to each activity the install delivered (200 when stored). */
  gatewayStatuses: readonly number[];
}

export async function installDemoConversation(emulatorUrl: string): Promise<DemoConversation> {
  const response = await fetch(`${emulatorUrl}/_control/conversations`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ type: 'personal', user: demoUser }),
    signal: AbortSignal.timeout(20_000),
  });
  const body = (await response.json()) as { conversationId?: unknown; tenantId?: unknown; gateway?: unknown };
  if (!response.ok || typeof body.conversationId !== 'string' || typeof body.tenantId !== 'string') {
    throw new Error(`The Teams emulator refused the demo install (${response.status}): ${JSON.stringify(body)}`);
  }
  const gatewayStatuses = Array.isArray(body.gateway)
    ? body.gateway.map((result: unknown) => (typeof result === 'object' && result !== null && 'status' in result ? Number(result.status) : 0))
    : [];
  return { conversationId: body.conversationId, tenantId: body.tenantId, gatewayStatuses };
}
