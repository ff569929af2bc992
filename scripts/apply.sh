#!/usr/bin/env bash
# Puts the shop into the cluster: Namespaces first (their labels must exist before any pod), then
# the Secrets from .secrets/, then the data tier (PostgreSQL, NATS, the database init Job), waited
# for, and only then the services — so no service starts into missing databases and spends its
# CrashLoopBackOff delays before the rollout wait begins. With DEPLOY_WITH=helm the chart in
# charts/mesh-kit replaces dist/manifests/. Changes nothing when the cluster already matches.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

need_cluster
load_catalog
secrets="$SECRETS_DIR/secrets.yaml"
[ -f "$secrets" ] || die "$secrets not found: run \`make secrets\`"
manifests=${MANIFESTS_DIR:-dist/manifests}
[ -d "$manifests" ] || die "$manifests not found: run \`make synth\`"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

timeout_seconds() {
  case "$ROLLOUT_TIMEOUT" in
    *m) echo $((${ROLLOUT_TIMEOUT%m} * 60)) ;;
    *s) echo "${ROLLOUT_TIMEOUT%s}" ;;
    *) echo "$ROLLOUT_TIMEOUT" ;;
  esac
}

# wait_for_job job.batch/NAME: returns once it completes; fails at once, naming the Job and showing
# its last log lines, when it has failed (backoffLimit used up), instead of waiting out the timeout.
wait_for_job() {
  local job=$1 deadline conditions
  deadline=$((SECONDS + $(timeout_seconds)))
  step "waiting for $job"
  while :; do
    conditions=$(kube -n "$NAMESPACE" get "$job" -o jsonpath='{range .status.conditions[?(@.status=="True")]}{.type}{" "}{end}')
    case " $conditions " in
      *" Complete "*) return 0 ;;
      *" Failed "*)
        kube -n "$NAMESPACE" logs "$job" --all-containers --tail=20 >&2 || true
        die "$job failed (its last log lines are above; \`kubectl -n $NAMESPACE describe $job\` tells why)"
        ;;
    esac
    [ "$SECONDS" -lt "$deadline" ] || die "$job did not complete within $ROLLOUT_TIMEOUT (\`kubectl -n $NAMESPACE describe $job\`)"
    sleep 2
  done
}

# wait_for_workloads SELECTOR JOBS: rolls out every Deployment and StatefulSet with the label
# selector and waits for the Jobs listed (those of the objects just applied) — not for Jobs left
# from an earlier deploy, which the end of this script deletes.
wait_for_workloads() {
  local selector=$1 jobs=$2 workload job
  for workload in $(kube -n "$NAMESPACE" get deployments,statefulsets -l "$selector" -o name); do
    kube -n "$NAMESPACE" rollout status "$workload" --timeout="$ROLLOUT_TIMEOUT"
  done
  for job in $jobs; do
    wait_for_job "$job"
  done
}

jobs_in() { node_run node --import tsx scripts/manifests.ts jobs "$1"; }

node_run node --import tsx scripts/manifests.ts namespaces "$manifests" >"$tmp/namespaces.yaml"
apply_changed "namespaces" -f "$tmp/namespaces.yaml"
apply_changed "secrets from $secrets" -f "$secrets"

if [ "${DEPLOY_WITH:-manifests}" = helm ]; then
  need helm "run \`make tools\`"
  need_tag
  release=mesh-kit
  # Let the release adopt the Namespace applied above.
  kube label --overwrite -f "$tmp/namespaces.yaml" app.kubernetes.io/managed-by=Helm >/dev/null
  kube annotate --overwrite -f "$tmp/namespaces.yaml" meta.helm.sh/release-name=$release meta.helm.sh/release-namespace="$NAMESPACE" >/dev/null
  values=(--set-string "image.registry=$REGISTRY" --set-string "image.tag=$TAG"
    --set-file "jwt.users.jwks=${JWKS_FILE:-$SECRETS_DIR/jwks.json}"
    --set-file "jwt.loadgen.jwks=${LOADGEN_JWKS_FILE:-$SECRETS_DIR/loadgen-jwks.json}"
    --set-file "jwt.identity.jwks=${IDENTITY_JWKS_FILE:-$SECRETS_DIR/identity-jwks.json}")
  helm template "$release" charts/mesh-kit --namespace "$NAMESPACE" "${values[@]}" >"$tmp/wanted.yaml"
  if helm --kube-context "$KUBE_CONTEXT" get manifest "$release" --namespace "$NAMESPACE" >"$tmp/current.yaml" 2>/dev/null &&
    diff -q "$tmp/current.yaml" "$tmp/wanted.yaml" >/dev/null; then
    step "helm release $release already matches charts/mesh-kit: no changes"
  else
    step "helm upgrade --install $release charts/mesh-kit"
    helm --kube-context "$KUBE_CONTEXT" upgrade --install "$release" charts/mesh-kit --namespace "$NAMESPACE" "${values[@]}"
  fi
else
  node_run node --import tsx scripts/manifests.ts data "$manifests" >"$tmp/data.yaml"
  apply_changed "data tier (PostgreSQL, NATS, database init)" -f "$tmp/data.yaml"
  step "waiting for the data tier"
  wait_for_workloads "$PART_OF_LABEL,$TIER_LABEL=data" "$(jobs_in "$tmp/data.yaml")"
  # Deployments select `app` and `version` (two versions of a service can run side by side). A
  # selector cannot change in place, so a Deployment from before that carries none is replaced.
  for deployment in $(kube -n "$NAMESPACE" get deployments -l "$PART_OF_LABEL,$TIER_LABEL!=data" \
    -o jsonpath='{range .items[*]}{.metadata.name}={.spec.selector.matchLabels.version}{"\n"}{end}' | sed -n 's/=$//p'); do
    step "replacing deployment.apps/$deployment (its selector predates versions)"
    kube -n "$NAMESPACE" delete "deployment.apps/$deployment" --ignore-not-found
  done
  apply_changed "$manifests" -f "$manifests"
fi

step "waiting for every workload in namespace $NAMESPACE"
wanted=$manifests
if [ "${DEPLOY_WITH:-manifests}" = helm ]; then wanted=$tmp/wanted.yaml; fi
current=$(jobs_in "$wanted")
wait_for_workloads "$PART_OF_LABEL" "$current"
# A version the manifests no longer run (`make rollback` removes a v2, `make promote` a v1) goes
# once the versions that stay are rolled out, so no request finds its subset empty meanwhile.
if [ "${DEPLOY_WITH:-manifests}" = manifests ]; then
  workloads=$(node_run node --import tsx scripts/manifests.ts workloads "$manifests")
  for object in $(kube -n "$NAMESPACE" get deployments,poddisruptionbudgets,horizontalpodautoscalers -l "$PART_OF_LABEL" -o name); do
    if ! grep -qxF "$object" <<<"$workloads"; then
      step "deleting $object (no longer in $manifests)"
      kube -n "$NAMESPACE" delete "$object" --ignore-not-found
    fi
  done
fi
# A Job's template cannot change, so a changed one is a new Job (postgres-init-<hash>): drop the
# ones the manifests no longer name.
for job in $(kube -n "$NAMESPACE" get jobs -l "$PART_OF_LABEL" -o name); do
  if ! grep -qxF "$job" <<<"$current"; then
    step "deleting $job (replaced)"
    kube -n "$NAMESPACE" delete "$job" --ignore-not-found
  fi
done
step "done: \`make port-forward\`, then curl http://localhost:8080/api/... (README, Quickstart)"
