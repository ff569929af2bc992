import { ApiObject, Duration, JsonPatch, Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import type { Resources } from '../catalog.js';
import { PART_OF, podLabels, sidecarAnnotations } from '../mesh-names.js';

/** An env variable's source: a plain value or one key of a Secret created at deploy time. */
export type EnvSource = { readonly value: string } | { readonly secret: string; readonly key: string };

export interface ServiceWorkloadProps {
  readonly name: string;
  readonly namespace: string;
  readonly image: string;
  readonly port: number;
  readonly replicas: number;
  readonly resources: Resources;
  /** Requests and limits of the injected istio-proxy, as sidecar annotations. */
  readonly sidecar: Resources;
  readonly env: Readonly<Record<string, EnvSource>>;
  /** The `version` label (Kiali, Istio telemetry). */
  readonly version: string;
  /** How long the app drains after SIGTERM (its SHUTDOWN_TIMEOUT_MS). */
  readonly shutdownTimeoutMs: number;
  /**
   * Pause before SIGTERM so endpoints and sidecars stop sending new requests first.
   * @default 5 seconds
   */
  readonly preStopSeconds?: number;
  /**
   * Liveness and startup probe path.
   * @default '/healthz'
   */
  readonly livenessPath?: string;
  /**
   * Readiness probe path (503 while draining).
   * @default '/readyz'
   */
  readonly readinessPath?: string;
  /**
   * Prometheus scrape path.
   * @default '/metrics'
   */
  readonly metricsPath?: string;
  /**
   * The non-root UID and GID the container runs as.
   * @default 1000 (the `node` user of the official Node images)
   */
  readonly runAsUser?: number;
}

/**
 * One service's Kubernetes objects: ServiceAccount, Deployment, Service (port named `http`) and
 * PodDisruptionBudget. Pods meet the Pod Security Standard `restricted`.
 */
export class ServiceWorkload extends Construct {
  readonly deployment: kplus.Deployment;
  readonly service: kplus.Service;
  readonly serviceAccount: kplus.ServiceAccount;

  constructor(scope: Construct, id: string, props: ServiceWorkloadProps) {
    super(scope, id);
    const { name, namespace, port } = props;
    const preStopSeconds = props.preStopSeconds ?? 5;
    const livenessPath = props.livenessPath ?? '/healthz';
    const readinessPath = props.readinessPath ?? '/readyz';
    const metricsPath = props.metricsPath ?? '/metrics';
    const uid = props.runAsUser ?? 1000;
    const labels = podLabels(name, props.version);
    const selector = { app: name };
    const metadata = { name, namespace, labels: { ...PART_OF, app: name } };

    this.serviceAccount = new kplus.ServiceAccount(this, 'service-account', {
      metadata,
      automountToken: false,
    });

    const tmp = kplus.Volume.fromEmptyDir(this, 'tmp', 'tmp', { sizeLimit: Size.mebibytes(64) });
    const secrets = new Map<string, kplus.ISecret>();
    const envVariables: Record<string, kplus.EnvValue> = {};
    for (const [variable, source] of Object.entries(props.env).sort(([a], [b]) => a.localeCompare(b))) {
      if ('value' in source) {
        envVariables[variable] = kplus.EnvValue.fromValue(source.value);
        continue;
      }
      let secret = secrets.get(source.secret);
      if (secret === undefined) {
        secret = kplus.Secret.fromSecretName(this, `secret-${source.secret}`, source.secret);
        secrets.set(source.secret, secret);
      }
      envVariables[variable] = kplus.EnvValue.fromSecretValue({ secret, key: source.key });
    }

    this.deployment = new kplus.Deployment(this, 'deployment', {
      metadata,
      replicas: props.replicas,
      select: false,
      spread: false,
      serviceAccount: kplus.ServiceAccount.fromServiceAccountName(this, 'service-account-ref', name),
      automountServiceAccountToken: false,
      podMetadata: {
        labels,
        annotations: {
          'prometheus.io/scrape': 'true',
          'prometheus.io/port': String(port),
          'prometheus.io/path': metricsPath,
          ...sidecarAnnotations(props.sidecar),
          // Clusters without native sidecars: start the app only once its proxy is up.
          'proxy.istio.io/config': '{"holdApplicationUntilProxyStarts":true}',
        },
      },
      securityContext: { ensureNonRoot: true, user: uid, group: uid, fsGroup: uid },
      volumes: [tmp],
      containers: [
        {
          name,
          image: props.image,
          imagePullPolicy: kplus.ImagePullPolicy.IF_NOT_PRESENT,
          ports: [{ number: port, name: 'http' }],
          envVariables,
          resources: {
            cpu: {
              request: kplus.Cpu.millis(props.resources.cpuRequestMilli),
              limit: kplus.Cpu.millis(props.resources.cpuLimitMilli),
            },
            memory: {
              request: Size.mebibytes(props.resources.memoryRequestMi),
              limit: Size.mebibytes(props.resources.memoryLimitMi),
            },
          },
          securityContext: {
            ensureNonRoot: true,
            user: uid,
            group: uid,
            readOnlyRootFilesystem: true,
            allowPrivilegeEscalation: false,
            privileged: false,
          },
          startup: kplus.Probe.fromHttpGet(livenessPath, {
            port,
            periodSeconds: Duration.seconds(2),
            failureThreshold: 30,
          }),
          readiness: kplus.Probe.fromHttpGet(readinessPath, { port, periodSeconds: Duration.seconds(5) }),
          liveness: kplus.Probe.fromHttpGet(livenessPath, { port, periodSeconds: Duration.seconds(10) }),
          volumeMounts: [{ path: '/tmp', volume: tmp }],
          lifecycle: { preStop: kplus.Handler.fromCommand(['sleep', String(preStopSeconds)]) },
        },
      ],
    });
    this.deployment.select(kplus.LabelSelector.of({ labels: selector }));

    // What cdk8s-plus-27 cannot express: PSS `restricted` needs seccomp and dropped capabilities.
    const deployment = ApiObject.of(this.deployment);
    deployment.addJsonPatch(
      JsonPatch.add('/spec/template/spec/securityContext/seccompProfile', { type: 'RuntimeDefault' }),
      JsonPatch.add('/spec/template/spec/containers/0/securityContext/capabilities', { drop: ['ALL'] }),
      // Selection is by `app` alone (set below); cdk8s-plus' own address label would only add noise.
      JsonPatch.remove('/spec/template/metadata/labels/cdk8s.io~1metadata.addr'),
      JsonPatch.add(
        '/spec/template/spec/terminationGracePeriodSeconds',
        preStopSeconds + Math.ceil(props.shutdownTimeoutMs / 1000) + 5,
      ),
      JsonPatch.add('/spec/template/spec/topologySpreadConstraints', [
        {
          maxSkew: 1,
          topologyKey: 'kubernetes.io/hostname',
          whenUnsatisfiable: 'ScheduleAnyway',
          labelSelector: { matchLabels: selector },
        },
      ]),
    );

    this.service = new kplus.Service(this, 'service', {
      metadata,
      ports: [{ name: 'http', port, targetPort: port }],
    });

    this.service.selectLabel('app', name);

    new ApiObject(this, 'pdb', {
      apiVersion: 'policy/v1',
      kind: 'PodDisruptionBudget',
      metadata,
      spec:
        props.replicas > 1
          ? { minAvailable: 1, selector: { matchLabels: selector } }
          : { maxUnavailable: 1, selector: { matchLabels: selector } },
    });
  }
}
