/** A small card of the kind the gateway's callers send (a deploy alert), in schema 1.5, the most Teams renders. */
export function sampleCard(text) {
  return {
    type: 'AdaptiveCard',
    $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
    version: '1.5',
    body: [
      { type: 'TextBlock', text: 'Deployment finished', weight: 'Bolder', size: 'Medium', wrap: true },
      { type: 'TextBlock', text, wrap: true },
      {
        type: 'FactSet',
        facts: [
          { title: 'Service', value: 'checkout-api' },
          { title: 'Environment', value: 'production' },
          { title: 'Sent', value: new Date().toISOString() },
        ],
      },
    ],
    actions: [{ type: 'Action.OpenUrl', title: 'Open the pipeline', url: 'https://example.com/pipelines/42' }],
  };
}
