// The gateway model lives beside the app (the local stack's gateway runs it too).
export * from '../../src/gateway-model/gateway-model.js';
