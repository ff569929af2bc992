import { type Catalog, type ServiceSpec, streamOf, usesBroker } from '@mesh-kit/catalog';

/** One NATS user per service that publishes or consumes: what it may publish and subscribe to. */
export interface BrokerUser {
  readonly user: string;
  /** The env variable the NATS server reads this user's password from (a `$VAR` in its config). */
  readonly passwordVariable: string;
  readonly publish: readonly string[];
  readonly subscribe: readonly string[];
}

/** The prefix of a user's reply subjects; services/runtime sets the same (`inboxPrefix`). */
export const inboxPrefix = (user: string): string => `_INBOX_${user}`;

/** The JetStream API prefix of the account (no JetStream domain). */
const API = '$JS.API';

export function natsPasswordVariable(service: string): string {
  return `NATS_PASSWORD_${service.toUpperCase().replace(/-/g, '_')}`;
}

/**
 * Law 4 on the broker: a service publishes only the subjects it declares, manages (create, update,
 * info; never delete or purge) only the streams of the subjects it publishes, and reads only through
 * its own durable consumer (named after it) on the subjects it consumes, parking failures only under
 * its own dead-letter subject. Replies reach it on its own inbox prefix only.
 */
export function brokerUser(catalog: Catalog, spec: ServiceSpec): BrokerUser {
  const publish = new Set<string>();
  for (const subject of spec.publishes) {
    publish.add(subject);
    const stream = streamOf(subject, catalog);
    for (const name of [stream.name, stream.deadLetterStream]) {
      for (const verb of ['CREATE', 'UPDATE', 'INFO']) publish.add(`${API}.STREAM.${verb}.${name}`);
    }
  }
  for (const subject of spec.consumes) {
    const stream = streamOf(subject, catalog).name;
    const durable = spec.name;
    // The client names the filter subject in the create subject (nats-server ≥ 2.9), so the user can
    // create (or update) exactly this durable with exactly this filter.
    publish.add(`${API}.CONSUMER.CREATE.${stream}.${durable}.${subject}`);
    publish.add(`${API}.CONSUMER.INFO.${stream}.${durable}`);
    publish.add(`${API}.CONSUMER.MSG.NEXT.${stream}.${durable}`);
    publish.add(`$JS.ACK.${stream}.${durable}.>`);
    publish.add(`deadletter.${stream}.${durable}`);
  }
  return {
    user: spec.name,
    passwordVariable: natsPasswordVariable(spec.name),
    publish: [...publish],
    subscribe: [`${inboxPrefix(spec.name)}.>`],
  };
}

/** Every broker user of the catalog, in catalog order. */
export function brokerUsers(catalog: Catalog): BrokerUser[] {
  return catalog.services.filter(usesBroker).map((spec) => brokerUser(catalog, spec));
}

/**
 * The `authorization` block of nats-server's configuration: one user per broker-using service,
 * passwords read from the server's environment (`$NATS_PASSWORD_<SERVICE>`, from the Secrets that
 * `make secrets` creates), so the file itself holds no secret.
 */
export function natsAuthorizationConfig(users: readonly BrokerUser[]): string {
  const list = (items: readonly string[]): string => `[${items.map((i) => JSON.stringify(i)).join(', ')}]`;
  const entries = users.map((u) =>
    [
      '    {',
      `      user: ${JSON.stringify(u.user)}`,
      `      password: $${u.passwordVariable}`,
      '      permissions: {',
      `        publish: { allow: ${list(u.publish)} }`,
      `        subscribe: { allow: ${list(u.subscribe)} }`,
      '      }',
      '    }',
    ].join('\n'),
  );
  return [
    '# Generated from the catalog by the cdk8s app (infra/cdk8s/src/broker-permissions.ts). Do not edit.',
    'authorization {',
    '  users: [',
    ...entries,
    '  ]',
    '}',
    '',
  ].join('\n');
}
