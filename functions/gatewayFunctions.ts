import { type GatewayFunctionDefinition } from './functionDefinition';

/** The one list of function definitions. Add a function by adding its definition here. */
export const gatewayFunctions: readonly GatewayFunctionDefinition[] = [];
