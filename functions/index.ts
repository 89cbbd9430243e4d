import { app } from '@azure/functions';

import { gatewayFunctions } from './gatewayFunctions';
import { registerServiceBusBindingOnFirstUse } from './serviceBusBinding';

// The Service Bus SDK binding (settlement), registered before any trigger and loaded by the first one.
registerServiceBusBindingOnFirstUse();

for (const definition of gatewayFunctions) {
  if (definition.kind === 'http') app.http(definition.name, definition.options);
  else if (definition.kind === 'timer') app.timer(definition.name, definition.options);
  else app.serviceBusQueue(definition.name, definition.options);
}
