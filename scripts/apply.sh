#!/usr/bin/env bash
# Puts the shop into the cluster: Namespaces first (their labels must exist before any pod), then
# the Secrets from .secrets/, then the data tier (PostgreSQL, NATS, the database init Job), waited
# for, and only then the services — so no service starts into missing databases and spends its
# CrashLoopBackOff delays before the rollout wait begins. The routes come last, make-before-break
# (istio.io, Traffic Management Best Practices, "Avoid 503 errors while reconfiguring service
# routes"; a subset that selects no ready pod answers 503 UH, analyzer message IST0173): every
# version is rolled out before its subset and the routes that name it are applied, and when a
# version goes, the routes leave it before its subset goes, and it goes last. With
# DEPLOY_WITH=helm the chart in charts/mesh-kit replaces dist/manifests/. Changes nothing when the
# cluster already matches.
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

# wait_for_workloads SELECTOR JOBS-FILE [WHAT-STAYS]: rolls out every Deployment and StatefulSet with
# the label selector and waits for the Jobs listed (those of the objects just applied) — not for
# Jobs left from an earlier deploy, which the end of this script deletes. A rollout that fails says
# WHAT-STAYS as it was.
wait_for_workloads() {
  local selector=$1 jobs=$2 stays=${3:-} workload job
  for workload in $(kube -n "$NAMESPACE" get deployments,statefulsets -l "$selector" -o name); do
    kube -n "$NAMESPACE" rollout status "$workload" --timeout="$ROLLOUT_TIMEOUT" ||
      die "$workload did not become ready within $ROLLOUT_TIMEOUT${stays:+; $stays} (\`kubectl -n $NAMESPACE describe $workload\`)"
  done
  while IFS= read -r job; do
    [ -z "$job" ] || wait_for_job "$job"
  done <"$jobs"
}

# apply_file WHAT FILE: apply_changed, for a file that may hold no object.
apply_file() {
  APPLIED=0
  if [ -s "$2" ]; then apply_changed "$1" -f "$2"; fi
}

# settle WHAT: after a change of WHAT, gives istiod time to push it to the proxies before the next
# change relies on it (configuration reaches the proxies eventually, not at once: Istio's
# make-before-break guidance says to wait a few seconds between the two steps).
settle() {
  if [ "$APPLIED" = 1 ]; then
    step "giving the proxies ${ROUTE_SETTLE_SECONDS}s to receive the $1"
    sleep "$ROUTE_SETTLE_SECONDS"
  fi
}

if [ "${DEPLOY_WITH:-manifests}" = helm ]; then
  need helm "run \`make tools\`"
  need_tag
  release=mesh-kit
  values=(--set-string "image.registry=$REGISTRY" --set-string "image.tag=$TAG"
    --set-file "jwt.users.jwks=${JWKS_FILE:-$SECRETS_DIR/jwks.json}"
    --set-file "jwt.loadgen.jwks=${LOADGEN_JWKS_FILE:-$SECRETS_DIR/loadgen-jwks.json}"
    --set-string "database.credentialsRevision=$(credentials_revision)")
  # A digest of each credential file, as synth takes it: a new one rolls the pods that read it.
  for file in "$SECRETS_DIR"/*.json; do
    [ -f "$file" ] || continue
    values+=(--set-string "credentialDigests.$(basename "$file" .json)=$(sha256_files "$file" | cut -d' ' -f1)")
  done
  mkdir "$tmp/release"
  helm template "$release" charts/mesh-kit --namespace "$NAMESPACE" "${values[@]}" >"$tmp/release/wanted.yaml"
  node_run node --import tsx scripts/manifests.ts split "$tmp/release/wanted.yaml" "$tmp/release"
  apply_file "namespaces" "$tmp/release/namespaces.yaml"
  apply_changed "secrets from $secrets" -f "$secrets"
  if helm --kube-context "$KUBE_CONTEXT" get manifest "$release" --namespace "$NAMESPACE" >"$tmp/current.yaml" 2>/dev/null &&
    diff -q "$tmp/current.yaml" "$tmp/release/wanted.yaml" >/dev/null; then
    step "helm release $release already matches charts/mesh-kit: no changes"
  else
    step "helm upgrade --install $release charts/mesh-kit"
    # --take-ownership (Helm >= 3.17): objects an earlier `make deploy` applied from dist/manifests
    # carry no Helm ownership metadata, which Helm otherwise refuses ("invalid ownership metadata",
    # pkg/action/validate.go existingResourceConflict at v4.1.4; helm/helm#9125).
    helm --kube-context "$KUBE_CONTEXT" upgrade --install "$release" charts/mesh-kit --namespace "$NAMESPACE" \
      --take-ownership "${values[@]}"
  fi
  step "waiting for every workload in namespace $NAMESPACE"
  wait_for_workloads "$PART_OF_LABEL" "$tmp/release/jobs"
  current="$tmp/release/jobs"
else
  node_run node --import tsx scripts/manifests.ts split "$manifests" "$tmp"
  apply_file "namespaces" "$tmp/namespaces.yaml"
  apply_changed "secrets from $secrets" -f "$secrets"
  apply_file "data tier (PostgreSQL, NATS, database init)" "$tmp/data.yaml"
  step "waiting for the data tier"
  wait_for_workloads "$PART_OF_LABEL,$TIER_LABEL=data" "$tmp/data-jobs"
  apply_file "$manifests without routes" "$tmp/workloads.yaml"
  step "waiting for every workload in namespace $NAMESPACE"
  wait_for_workloads "$PART_OF_LABEL" "$tmp/jobs" \
    "the routes (VirtualServices, DestinationRules) were left as they were, so the traffic weights have not changed; .traffic.json and $manifests already say the new state: fix it and run this again, or go back (after \`make canary\`: \`make rollback SERVICE=<name>\`)"
  # A version the manifests no longer run (`make rollback` removes a v2, `make promote` a v1): its
  # routes go first, then its subset, then (below) the version itself.
  stale=()
  for object in $(kube -n "$NAMESPACE" get deployments,poddisruptionbudgets,horizontalpodautoscalers -l "$PART_OF_LABEL" -o name); do
    grep -qxF "$object" "$tmp/prunable" || stale+=("$object")
  done
  if [ ${#stale[@]} -eq 0 ]; then
    apply_file "subsets (DestinationRules)" "$tmp/routes-subsets.yaml"
    settle "subsets"
    apply_file "routes (VirtualServices)" "$tmp/routes-weights.yaml"
  else
    apply_file "routes (VirtualServices)" "$tmp/routes-weights.yaml"
    settle "routes"
    apply_file "subsets (DestinationRules)" "$tmp/routes-subsets.yaml"
    settle "subsets"
    for object in "${stale[@]}"; do
      step "deleting $object (no longer in $manifests)"
      kube -n "$NAMESPACE" delete "$object" --ignore-not-found
    done
  fi
  current="$tmp/jobs"
fi

# A Job's template cannot change, so a changed one is a new Job (postgres-init-<hash>): drop the
# ones the manifests no longer name.
for job in $(kube -n "$NAMESPACE" get jobs -l "$PART_OF_LABEL" -o name); do
  if ! grep -qxF "$job" "$current"; then
    step "deleting $job (replaced)"
    kube -n "$NAMESPACE" delete "$job" --ignore-not-found
  fi
done
step "done: \`make port-forward\`, then curl http://localhost:8080/api/... (README, Quickstart)"
