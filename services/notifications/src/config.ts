/** The environment notifications reads at start-up (every consumer service's); the manifests' env is checked against it. */
export { consumerServiceConfigSchema as configSchema } from '@mesh-kit/runtime';
