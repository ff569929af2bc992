// The rate limit model lives beside the app (the local stack's gateway runs it too).
export * from '../../src/gateway-model/local-rate-limit.js';
