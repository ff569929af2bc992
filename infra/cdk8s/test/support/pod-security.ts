/**
 * @models Pod Security Admission at level `restricted` (k8s.io/pod-security-admission)
 *
 * The Pod Security Standard `restricted` (kubernetes.io/docs/concepts/security/pod-security-standards),
 * as Kubernetes 1.35's admission plugin checks it at `enforce-version: latest`: each rule from
 * k8s.io/pod-security-admission policy/check_*.go @ v0.35.0 (the baseline checks plus the restricted
 * ones, at their newest version). Returns each violation. Not modelled: the AppArmor annotations on
 * the pod's metadata (only the appArmorProfile fields), Windows-only exemptions (spec.os.name), and
 * user-namespace pods (hostUsers: false), whose baseline procMount rule is looser.
 */
type Json = Record<string, unknown>;

const ALLOWED_VOLUMES = [
  'configMap',
  'csi',
  'downwardAPI',
  'emptyDir',
  'ephemeral',
  'persistentVolumeClaim',
  'projected',
  'secret',
];
const SAFE_SYSCTLS = [
  'kernel.shm_rmid_forced',
  'net.ipv4.ip_local_port_range',
  'net.ipv4.ip_unprivileged_port_start',
  'net.ipv4.tcp_syncookies',
  'net.ipv4.ping_group_range',
  'net.ipv4.ip_local_reserved_ports',
  'net.ipv4.tcp_keepalive_time',
  'net.ipv4.tcp_fin_timeout',
  'net.ipv4.tcp_keepalive_intvl',
  'net.ipv4.tcp_keepalive_probes',
  // check_sysctls.go: sysctlsAllowedV1Dot32
  'net.ipv4.tcp_rmem',
  'net.ipv4.tcp_wmem',
];

export function restrictedViolations(pod: Json): string[] {
  const out: string[] = [];
  const podSc = (pod.securityContext ?? {}) as Json;
  const containers = [
    ...((pod.initContainers ?? []) as Json[]),
    ...((pod.containers ?? []) as Json[]),
    ...((pod.ephemeralContainers ?? []) as Json[]),
  ];
  // Baseline
  for (const key of ['hostNetwork', 'hostPID', 'hostIPC']) if (pod[key] === true) out.push(`${key} must not be true`);
  for (const volume of (pod.volumes ?? []) as Json[]) {
    const type = Object.keys(volume).find((k) => k !== 'name');
    if (type === undefined || !ALLOWED_VOLUMES.includes(type))
      out.push(`volume ${String(volume.name)} has type ${type}`);
  }
  for (const sysctl of (podSc.sysctls ?? []) as Json[]) {
    if (!SAFE_SYSCTLS.includes(String(sysctl.name))) out.push(`sysctl ${String(sysctl.name)} is not safe`);
  }
  const seLinuxOk = (sc: Json): boolean => {
    const se = (sc.seLinuxOptions ?? {}) as Json;
    return (
      (se.type === undefined ||
        ['container_t', 'container_init_t', 'container_kvm_t', 'container_engine_t'].includes(String(se.type))) &&
      se.user === undefined &&
      se.role === undefined
    );
  };
  if (!seLinuxOk(podSc)) out.push('pod seLinuxOptions not allowed');
  const appArmorOk = (sc: Json): boolean => {
    const profile = sc.appArmorProfile as Json | undefined;
    return profile === undefined || profile.type !== 'Unconfined';
  };
  if (!appArmorOk(podSc)) out.push('pod appArmorProfile Unconfined');
  const seccompOk = (sc: Json): boolean | undefined => {
    const profile = sc.seccompProfile as Json | undefined;
    return profile === undefined ? undefined : profile.type === 'RuntimeDefault' || profile.type === 'Localhost';
  };
  if (seccompOk(podSc) === false) out.push('pod seccompProfile must be RuntimeDefault or Localhost');
  if (podSc.runAsUser === 0) out.push('pod runAsUser must not be 0');
  // check_windowsHostProcess.go
  const hostProcess = (sc: Json): boolean => (sc.windowsOptions as Json | undefined)?.hostProcess === true;
  if (hostProcess(podSc)) out.push('pod windowsOptions.hostProcess must not be true');

  for (const c of containers) {
    const name = String(c.name);
    const sc = (c.securityContext ?? {}) as Json;
    if (sc.privileged === true) out.push(`${name}: privileged`);
    for (const port of (c.ports ?? []) as Json[])
      if (port.hostPort !== undefined && port.hostPort !== 0) out.push(`${name}: hostPort`);
    if (!seLinuxOk(sc)) out.push(`${name}: seLinuxOptions not allowed`);
    if (!appArmorOk(sc)) out.push(`${name}: appArmorProfile Unconfined`);
    if (sc.procMount !== undefined && sc.procMount !== 'Default') out.push(`${name}: procMount must be Default`);
    if (hostProcess(sc)) out.push(`${name}: windowsOptions.hostProcess must not be true`);
    // check_hostProbesAndhostLifecycle.go (1.34+): no host in probes and lifecycle handlers.
    const handlers = [
      c.livenessProbe,
      c.readinessProbe,
      c.startupProbe,
      (c.lifecycle as Json | undefined)?.postStart,
      (c.lifecycle as Json | undefined)?.preStop,
    ] as (Json | undefined)[];
    for (const handler of handlers) {
      for (const kind of ['httpGet', 'tcpSocket']) {
        const host = (handler?.[kind] as Json | undefined)?.host;
        if (host !== undefined && host !== '') out.push(`${name}: probe or lifecycle host ${String(host)}`);
      }
    }
    // Restricted
    if (sc.allowPrivilegeEscalation !== false) out.push(`${name}: allowPrivilegeEscalation must be false`);
    const runAsNonRoot = sc.runAsNonRoot ?? podSc.runAsNonRoot;
    if (runAsNonRoot !== true) out.push(`${name}: runAsNonRoot must be true`);
    if (sc.runAsUser === 0) out.push(`${name}: runAsUser must not be 0`);
    const seccomp = seccompOk(sc) ?? seccompOk(podSc);
    if (seccomp !== true) out.push(`${name}: seccompProfile must be RuntimeDefault or Localhost`);
    const caps = (sc.capabilities ?? {}) as { drop?: string[]; add?: string[] };
    if (!(caps.drop ?? []).includes('ALL')) out.push(`${name}: capabilities must drop ALL`);
    for (const cap of caps.add ?? []) if (cap !== 'NET_BIND_SERVICE') out.push(`${name}: capability ${cap} added`);
  }
  return out;
}

/** The pod spec of a workload object (Deployment, StatefulSet, Job, Pod), if it has one. */
export function podSpecOf(object: Json): Json | undefined {
  if (object.kind === 'Pod') return object.spec as Json;
  const template = ((object.spec ?? {}) as Json).template as Json | undefined;
  return template?.spec as Json | undefined;
}
