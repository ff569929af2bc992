import { ApiObject, Duration, JsonPatch, Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { IntOrString, KubePodDisruptionBudget } from '../../imports/k8s.js';
import type { Resources } from '@mesh-kit/catalog';
import { PART_OF, podLabels, sidecarAnnotations } from '../mesh-names.js';
import { ServiceAutoscaler } from './service-autoscaler.js';

/** An env variable's source: a plain value or one key of a Secret created at deploy time. */
export type EnvSource = { readonly value: string } | { readonly secret: string; readonly key: string };

/** One version of the service, run as its own Deployment (and PodDisruptionBudget). */
export interface WorkloadVersion {
  /** The `version` label; the Deployment selects `app` and `version`. */
  readonly version: string;
  readonly deploymentName: string;
  readonly image: string;
  readonly replicas: number;
  readonly env: Readonly<Record<string, EnvSource>>;
  /**
   * A HorizontalPodAutoscaler scales this Deployment between the bounds; `replicas` is then left out.
   * @default fixed `replicas`
   */
  readonly autoscaling?: {
    readonly minReplicas: number;
    readonly maxReplicas: number;
    readonly cpuTargetPercent: number;
  };
}

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
  /**
   * The Deployments to run, each with its own `version` label; the Service selects them all.
   * @default one, named `name`, from `version`, `image`, `replicas` and `env`
   */
  readonly versions?: readonly WorkloadVersion[];
  /**
   * Further annotations on every version's pod template (a change rolls the pods).
   * @default none
   */
  readonly podAnnotations?: Readonly<Record<string, string>>;
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
 * One service's Kubernetes objects: ServiceAccount, Service (port named `http`), and per version a
 * Deployment and a PodDisruptionBudget. Pods meet the Pod Security Standard `restricted`.
 */
export class ServiceWorkload extends Construct {
  /** The Deployments, one per version, in the order of `versions`. */
  readonly deployments: kplus.Deployment[] = [];
  readonly service: kplus.Service;
  readonly serviceAccount: kplus.ServiceAccount;

  constructor(scope: Construct, id: string, props: ServiceWorkloadProps) {
    super(scope, id);
    const { name, namespace, port } = props;
    const metadata = { name, namespace, labels: { ...PART_OF, app: name } };

    this.serviceAccount = new kplus.ServiceAccount(this, 'service-account', {
      metadata,
      automountToken: false,
    });
    const versions = props.versions ?? [
      { version: props.version, deploymentName: name, image: props.image, replicas: props.replicas, env: props.env },
    ];
    for (const v of versions) {
      // The first Deployment keeps the construct ids it always had, so its output does not move.
      this.deployments.push(
        this.addVersion(v.deploymentName === name ? this : new Construct(this, v.version), props, v),
      );
    }

    this.service = new kplus.Service(this, 'service', {
      metadata,
      ports: [{ name: 'http', port, targetPort: port }],
    });

    this.service.selectLabel('app', name);
  }

  private addVersion(scope: Construct, props: ServiceWorkloadProps, v: WorkloadVersion): kplus.Deployment {
    const { name, namespace, port } = props;
    const preStopSeconds = props.preStopSeconds ?? 5;
    const livenessPath = props.livenessPath ?? '/healthz';
    const readinessPath = props.readinessPath ?? '/readyz';
    const metricsPath = props.metricsPath ?? '/metrics';
    const uid = props.runAsUser ?? 1000;
    const labels = podLabels(name, v.version);
    const selector = { app: name, version: v.version };
    const metadata = { name: v.deploymentName, namespace, labels: { ...PART_OF, app: name, version: v.version } };

    const tmp = kplus.Volume.fromEmptyDir(scope, 'tmp', 'tmp', { sizeLimit: Size.mebibytes(64) });
    const secrets = new Map<string, kplus.ISecret>();
    const envVariables: Record<string, kplus.EnvValue> = {};
    for (const [variable, source] of Object.entries(v.env).sort(([a], [b]) => a.localeCompare(b))) {
      if ('value' in source) {
        envVariables[variable] = kplus.EnvValue.fromValue(source.value);
        continue;
      }
      let secret = secrets.get(source.secret);
      if (secret === undefined) {
        secret = kplus.Secret.fromSecretName(scope, `secret-${source.secret}`, source.secret);
        secrets.set(source.secret, secret);
      }
      envVariables[variable] = kplus.EnvValue.fromSecretValue({ secret, key: source.key });
    }

    const created = new kplus.Deployment(scope, 'deployment', {
      metadata,
      replicas: v.replicas,
      select: false,
      spread: false,
      serviceAccount: kplus.ServiceAccount.fromServiceAccountName(scope, 'service-account-ref', name),
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
          ...props.podAnnotations,
        },
      },
      securityContext: { ensureNonRoot: true, user: uid, group: uid, fsGroup: uid },
      terminationGracePeriod: Duration.seconds(preStopSeconds + Math.ceil(props.shutdownTimeoutMs / 1000) + 5),
      volumes: [tmp],
      containers: [
        {
          name,
          image: v.image,
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
    created.select(kplus.LabelSelector.of({ labels: selector }));

    // What cdk8s-plus-27 cannot express. PSS `restricted` needs a seccomp profile (the pod security
    // context has no field for it) and `capabilities.drop: [ALL]` (its Capability enum has no ALL).
    const deployment = ApiObject.of(created);
    deployment.addJsonPatch(
      JsonPatch.add('/spec/template/spec/securityContext/seccompProfile', { type: 'RuntimeDefault' }),
      JsonPatch.add('/spec/template/spec/containers/0/securityContext/capabilities', { drop: ['ALL'] }),
      // Selection is by `app` alone (set below); cdk8s-plus' own address label would only add noise.
      JsonPatch.remove('/spec/template/metadata/labels/cdk8s.io~1metadata.addr'),
      // Its `spread` option writes pod anti-affinity, not a soft topology spread.
      JsonPatch.add('/spec/template/spec/topologySpreadConstraints', [
        {
          maxSkew: 1,
          topologyKey: 'kubernetes.io/hostname',
          whenUnsatisfiable: 'ScheduleAnyway',
          labelSelector: { matchLabels: selector },
        },
      ]),
    );

    const fewest = v.autoscaling?.minReplicas ?? v.replicas;
    if (v.autoscaling !== undefined) {
      // The autoscaler owns the count: an apply must not reset it.
      deployment.addJsonPatch(JsonPatch.remove('/spec/replicas'));
      new ServiceAutoscaler(scope, 'autoscaler', {
        deploymentName: v.deploymentName,
        namespace,
        labels: { app: name, version: v.version },
        ...v.autoscaling,
      });
    }
    new KubePodDisruptionBudget(scope, 'pdb', {
      metadata,
      spec:
        fewest > 1
          ? { minAvailable: IntOrString.fromNumber(1), selector: { matchLabels: selector } }
          : { maxUnavailable: IntOrString.fromNumber(1), selector: { matchLabels: selector } },
    });
    return created;
  }
}
