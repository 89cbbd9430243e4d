import { ConnectorClient, MsalAppCredentials } from 'botframework-connector';

import { type BaselineJob, type BaselineSend, runBaselineProcess } from './baselineJob';
import { emulatorMsalApplication } from './emulatorMsalApplication';

/**
 * Throughput baseline, a process of its own: botframework-connector's ConnectorClient used directly, as fast
 * as it can, with the SDK's default pipeline left as it ships (its retry policy retries 429 and 5xx three more
 * times and honours Retry-After). No pacing, no queue, no store.
 */
const clients = new Map<string, ConnectorClient>();
let credentials: MsalAppCredentials | undefined;

function clientFor(job: BaselineJob, serviceUrl: string): ConnectorClient {
  credentials ??= new MsalAppCredentials(emulatorMsalApplication(job.identity), job.identity.appId, job.identity.loginUrl, 'https://api.botframework.com');
  let client = clients.get(serviceUrl);
  if (client === undefined) {
    client = new ConnectorClient(credentials, { baseUri: serviceUrl });
    clients.set(serviceUrl, client);
  }
  return client;
}

async function send(job: BaselineJob, item: BaselineSend): Promise<void> {
  await clientFor(job, item.serviceUrl).conversations.sendToConversation(item.conversation.id, {
    type: 'message',
    text: item.text,
    from: item.bot,
    recipient: item.user,
    conversation: { ...item.conversation, isGroup: false, name: '' },
    channelId: 'msteams',
    serviceUrl: item.serviceUrl,
  });
}

runBaselineProcess(send).catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
