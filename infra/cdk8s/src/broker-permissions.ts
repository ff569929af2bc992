import { type Catalog, type ServiceSpec, type StreamSpec, streamOf, usesBroker } from '@mesh-kit/catalog';

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

/** The broker user that creates the streams and sets their limits (a Job; never a service's pod). */
export const BROKER_BOOTSTRAP = 'broker-bootstrap';
/** The operator's broker user, for repairs; no pod holds its password (docs/operations.md, "Broker"). */
export const BROKER_ADMIN = 'broker-admin';

/**
 * Law 4 on the broker: a service publishes only the subjects it declares, may look at (info; never
 * create, update, purge, delete or seal) only the streams of the subjects it publishes, and reads
 * only through its own durable consumer (named after it) on the subjects it consumes, parking
 * failures only under its own dead-letter subject. Replies reach it on its own inbox prefix only.
 */
export function brokerUser(catalog: Catalog, spec: ServiceSpec): BrokerUser {
  const publish = new Set<string>();
  for (const subject of spec.publishes) {
    publish.add(subject);
    const stream = streamOf(subject, catalog);
    for (const name of [stream.name, stream.deadLetterStream]) {
      publish.add(`${API}.STREAM.INFO.${name}`);
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

/** The bootstrap may create, update and look at the catalog's streams; it publishes no event and reads none. */
export function brokerBootstrapUser(catalog: Catalog): BrokerUser {
  const names = catalog.streams.flatMap((stream) => [stream.name, stream.deadLetterStream]);
  return {
    user: BROKER_BOOTSTRAP,
    passwordVariable: natsPasswordVariable(BROKER_BOOTSTRAP),
    publish: names.flatMap((name) => ['CREATE', 'UPDATE', 'INFO'].map((verb) => `${API}.STREAM.${verb}.${name}`)),
    subscribe: [`${inboxPrefix(BROKER_BOOTSTRAP)}.>`],
  };
}

/** The operator: everything, for repairs (a sealed or shrunk stream is rebuilt with this user). */
export function brokerAdminUser(): BrokerUser {
  return { user: BROKER_ADMIN, passwordVariable: natsPasswordVariable(BROKER_ADMIN), publish: ['>'], subscribe: ['>'] };
}

/** The broker users of the catalog's services, in catalog order. */
export function serviceBrokerUsers(catalog: Catalog): BrokerUser[] {
  return catalog.services.filter(usesBroker).map((spec) => brokerUser(catalog, spec));
}

/** Every broker user: the services', the bootstrap's and the operator's. */
export function brokerUsers(catalog: Catalog): BrokerUser[] {
  return [...serviceBrokerUsers(catalog), brokerBootstrapUser(catalog), brokerAdminUser()];
}

/** The limits the bootstrap gives a stream and its dead-letter stream (its `EVENT_STREAM_LIMITS`). */
export function streamLimits(stream: StreamSpec): { stream: StreamSpec['limits']; deadLetter: StreamSpec['limits'] } {
  return { stream: { ...stream.limits }, deadLetter: { ...stream.deadLetterLimits } };
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
