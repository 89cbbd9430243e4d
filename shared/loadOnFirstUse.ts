/**
 * A module (or anything built from it) loaded on the first call and shared by every later one. Requiring the
 * Bot Connector stack (botframework-connector, @azure/identity, msal) costs more than the rest of the app
 * together, and most invocations never need it. A failed load is forgotten, so the next call tries again.
 */
export function loadOnFirstUse<T>(load: () => Promise<T>): () => Promise<T> {
  let loaded: Promise<T> | undefined;
  return async () => {
    loaded ??= load().catch((error: unknown) => {
      loaded = undefined;
      throw error;
    });
    return loaded;
  };
}
