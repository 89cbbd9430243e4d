// Registers SDK-type bindings (Service Bus settlement) with the Functions host; must load before app.* calls.
import '@azure/functions-extensions-servicebus';

import { app } from '@azure/functions';

import { gatewayFunctions } from './gatewayFunctions';

for (const definition of gatewayFunctions) {
  if (definition.kind === 'http') app.http(definition.name, definition.options);
  else if (definition.kind === 'timer') app.timer(definition.name, definition.options);
  else app.serviceBusQueue(definition.name, definition.options);
}
