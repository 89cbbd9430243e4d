import type * as base from '@azure/functions-extensions-base';

import type * as binding from '../../../functions/serviceBusBinding';

/** A fresh resolver singleton per test (it has no way to unregister a factory). */
function fresh(): { resolver: base.ResourceFactoryResolver; register: typeof binding.registerServiceBusBindingOnFirstUse; trigger: (data: unknown) => unknown } {
  let modules: { base: typeof base; binding: typeof binding } | undefined;
  jest.isolateModules(() => {
    modules = { base: jest.requireActual('@azure/functions-extensions-base'), binding: jest.requireActual('../../../functions/serviceBusBinding') };
  });
  const { base: freshBase, binding: freshBinding } = modules!;
  const resolver = freshBase.ResourceFactoryResolver.getInstance();
  // What @azure/functions does with a trigger's ModelBindingData: ask the resolver for the source's client.
  return { resolver, register: freshBinding.registerServiceBusBindingOnFirstUse, trigger: (data) => resolver.createClient(freshBinding.serviceBusBindingSource, data) };
}

const source = 'AzureServiceBusReceivedMessage';

describe('registerServiceBusBindingOnFirstUse', () => {
  it('loads the binding package on the first trigger, not at registration, and hands every trigger to the factory it registers', () => {
    const { resolver, register, trigger } = fresh();
    let loads = 0;
    register(() => {
      loads++;
      // What importing @azure/functions-extensions-servicebus does.
      if (!resolver.hasResourceFactory(source)) resolver.registerResourceFactory(source, (data) => ({ builtFrom: data }));
    });
    expect(loads).toBe(0);

    expect(trigger('first')).toEqual({ builtFrom: 'first' });
    expect(trigger('second')).toEqual({ builtFrom: 'second' });
    expect(loads).toBe(1);
    // The resolver is itself again: other sources register and resolve as before.
    resolver.registerResourceFactory('Other', () => 'other');
    expect(resolver.hasResourceFactory('Other')).toBe(true);
    expect(resolver.createClient('Other', {})).toBe('other');
  });

  it('a load that fails fails that trigger and is tried again by the next', () => {
    const { resolver, register, trigger } = fresh();
    let attempts = 0;
    register(() => {
      attempts++;
      if (attempts === 1) throw new Error('cannot load');
      resolver.registerResourceFactory(source, (data) => ({ builtFrom: data }));
    });

    expect(() => trigger('first')).toThrow('cannot load');
    expect(trigger('second')).toEqual({ builtFrom: 'second' });
    expect(attempts).toBe(2);
  });

  it('a load that registers nothing is an error, not a silent undefined message', () => {
    const { register, trigger } = fresh();
    register(() => undefined);
    expect(() => trigger('data')).toThrow(/registered no factory/);
  });

  it('leaves a factory already registered in place', () => {
    const { resolver, register, trigger } = fresh();
    resolver.registerResourceFactory(source, () => 'registered before');
    register(() => {
      throw new Error('must not load');
    });
    expect(trigger('data')).toBe('registered before');
  });
});
