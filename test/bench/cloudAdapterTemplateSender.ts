import { CloudAdapter, ConfigurationBotFrameworkAuthentication, type ConversationReference } from 'botbuilder';
import { MsalServiceClientCredentialsFactory } from 'botframework-connector';

import { type BaselineJob, type BaselineSend, runBaselineProcess } from './baselineJob';
import { emulatorMsalApplication } from './emulatorMsalApplication';

/**
 * CPU baseline, a process of its own: proactive messages the way the Bot Framework and Teams templates send
 * them, `CloudAdapter.continueConversationAsync(appId, reference, turn => turn.sendActivity(text))` per
 * message, with the SDK's defaults (its connector client retries 429/5xx with Retry-After).
 */
let adapter: CloudAdapter | undefined;

function adapterFor(job: BaselineJob): CloudAdapter {
  if (adapter === undefined) {
    const credentials = new MsalServiceClientCredentialsFactory(job.identity.appId, emulatorMsalApplication(job.identity));
    adapter = new CloudAdapter(new ConfigurationBotFrameworkAuthentication({ MicrosoftAppId: job.identity.appId, MicrosoftAppType: 'MultiTenant' }, credentials));
  }
  return adapter;
}

async function send(job: BaselineJob, item: BaselineSend): Promise<void> {
  const reference: Partial<ConversationReference> = {
    channelId: 'msteams',
    serviceUrl: item.serviceUrl,
    conversation: { ...item.conversation, isGroup: false, name: '' },
    bot: item.bot,
    user: item.user,
  };
  await adapterFor(job).continueConversationAsync(job.identity.appId, reference, async (turn) => {
    await turn.sendActivity(item.text);
  });
}

runBaselineProcess(send).catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
