import type { TestProject } from 'vitest/node';
import { answers, DEFAULT_NATS_URL, DEFAULT_POSTGRES_ADMIN_URL, type BackingServices } from './backing-services.js';

declare module 'vitest' {
  export interface ProvidedContext {
    backing: BackingServices;
  }
}

/**
 * Uses the PostgreSQL and NATS at TEST_POSTGRES_URL / TEST_NATS_URL (defaults: the local
 * servers). When nothing answers there, starts throwaway containers with testcontainers, so the
 * test command also works on a laptop that has Docker but neither server.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  let postgresAdminUrl = process.env.TEST_POSTGRES_URL ?? DEFAULT_POSTGRES_ADMIN_URL;
  let natsUrl = process.env.TEST_NATS_URL ?? DEFAULT_NATS_URL;
  const stops: (() => Promise<unknown>)[] = [];

  const needPostgres = !(await answers(postgresAdminUrl));
  const needNats = !(await answers(natsUrl));
  if (needPostgres || needNats) {
    const { GenericContainer, Wait } = await import('testcontainers');
    if (needPostgres) {
      const pg = await new GenericContainer('postgres:17-alpine')
        .withEnvironment({ POSTGRES_HOST_AUTH_METHOD: 'trust' })
        .withExposedPorts(5432)
        .withWaitStrategy(Wait.forLogMessage(/database system is ready to accept connections/, 2))
        .start();
      stops.push(() => pg.stop());
      postgresAdminUrl = `postgres://postgres@${pg.getHost()}:${pg.getMappedPort(5432)}/postgres`;
    }
    if (needNats) {
      const nats = await new GenericContainer('nats:2.12-alpine')
        .withCommand(['-js'])
        .withExposedPorts(4222)
        .withWaitStrategy(Wait.forLogMessage(/Server is ready/))
        .start();
      stops.push(() => nats.stop());
      natsUrl = `nats://${nats.getHost()}:${nats.getMappedPort(4222)}`;
    }
  }

  project.provide('backing', { postgresAdminUrl, natsUrl });
  return async () => {
    await Promise.all(stops.map((stop) => stop()));
  };
}
