#!/usr/bin/env node
// azd postprovision hook: warns, loudly, when the alert rules notify nobody. azd hands the deployment's outputs
// to hooks as environment variables; ALERT_RECIPIENT_COUNT comes from infra/main.bicep. Never fails the
// provision: a gateway without e-mail alerts still works, it is only unwatched.
import process from 'node:process';

const count = Number(process.env.ALERT_RECIPIENT_COUNT ?? 'NaN');
if (Number.isNaN(count)) {
  console.warn('reportAlertRecipients: ALERT_RECIPIENT_COUNT is not set; cannot tell whether alerts notify anyone.');
} else if (count === 0) {
  const lines = [
    'WARNING: the gateway\'s alert rules notify NOBODY.',
    'Dead letters, a stuck queue, failing functions and 401/429 rates only show in the Azure portal.',
    'Set recipients and provision again:',
    '  azd env set ALERT_EMAIL_ADDRESSES \'["oncall@contoso.com"]\' && azd provision',
  ];
  const width = Math.max(...lines.map((l) => l.length));
  const rule = `+${'-'.repeat(width + 2)}+`;
  console.warn([rule, ...lines.map((l) => `| ${l.padEnd(width)} |`), rule].join('\n'));
} else {
  console.log(`Alerts e-mail ${count} recipient${count === 1 ? '' : 's'}: ${process.env.ALERTS_NOTIFY ?? ''}`);
}
