import { type ResourceFactory, ResourceFactoryResolver } from '@azure/functions-extensions-base';

import { errorCodes, GatewayError } from '../shared/errors';

/** The source the Functions host names in a Service Bus trigger's ModelBindingData (`sdkBinding: true`). */
export const serviceBusBindingSource = 'AzureServiceBusReceivedMessage';

/**
 * Makes the Service Bus SDK binding (@azure/functions-extensions-servicebus) load on the first Service Bus
 * trigger instead of at start-up. Imported, the package pulls in rhea, @azure/core-amqp and gRPC (about 170 ms
 * on the bench machine, half of the entry's start-up), which every HTTP-only invocation would pay for nothing.
 * It registers its message factory when imported and exports nothing else, so a stand-in is registered under
 * the same source; the first trigger imports the package, takes the factory it registers (see
 * factoryRegisteredBy) and hands every trigger's binding data to it. @azure/functions calls factories
 * synchronously, hence a synchronous require.
 */
export function registerServiceBusBindingOnFirstUse(load: () => void = loadServiceBusExtension): void {
  const resolver = ResourceFactoryResolver.getInstance();
  if (resolver.hasResourceFactory(serviceBusBindingSource)) return;
  let factory: ResourceFactory | undefined;
  resolver.registerResourceFactory(serviceBusBindingSource, (modelBindingData) => {
    // A load that throws fails this trigger; the next one tries again.
    factory ??= factoryRegisteredBy(resolver, load);
    return factory(modelBindingData);
  });
}

/**
 * Runs `load` and returns the factory it registers for the Service Bus source. The package checks
 * `hasResourceFactory` first and would leave the stand-in in place, and @azure/functions-extensions-base 0.3.0
 * declares `unregisterResourceFactory` without implementing it; so for the duration of the synchronous load
 * the resolver answers that no factory is registered and hands the package's registration here.
 */
function factoryRegisteredBy(resolver: ResourceFactoryResolver, load: () => void): ResourceFactory {
  let registered: ResourceFactory | undefined;
  const own = resolver as unknown as Partial<Pick<ResourceFactoryResolver, 'hasResourceFactory' | 'registerResourceFactory'>>;
  const prototype = ResourceFactoryResolver.prototype;
  own.hasResourceFactory = (type) => type !== serviceBusBindingSource && prototype.hasResourceFactory.call(resolver, type);
  own.registerResourceFactory = (type, factory) => {
    if (type === serviceBusBindingSource) registered = factory;
    else prototype.registerResourceFactory.call(resolver, type, factory);
  };
  try {
    load();
  } finally {
    delete own.hasResourceFactory;
    delete own.registerResourceFactory;
  }
  if (registered === undefined) throw new GatewayError(errorCodes.ConfigurationInvalid, `Loading the Service Bus binding registered no factory for ${serviceBusBindingSource}`);
  return registered;
}

function loadServiceBusExtension(): void {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded synchronously on first use, see above
  require('@azure/functions-extensions-servicebus');
}
