#!/usr/bin/env bash
# Opt-in end-to-end test of the Helm chart against a real Kubernetes API server (not part of the
# default suite: scripts/test.sh never runs it).
#
#   scripts/k8s-e2e.sh build   builds etcd + kube-apiserver into the cache folder (once; skipped when there)
#   scripts/k8s-e2e.sh run     starts etcd and kube-apiserver on 127.0.0.1, installs the monitoring CRDs,
#                              and for every tests/chart/values/*.yaml: `kubectl apply --server-side
#                              --dry-run=server` of the rendered chart (failing when the server drops any
#                              field of it), a real `helm install` into a fresh
#                              namespace, then `helm upgrade` with the same values, failing when any pod
#                              template or generated Secret (certificates, secrets) changed; then
#                              `helm uninstall`. Only etcd and kube-apiserver run (no controller-manager,
#                              scheduler or kubelet), so no pod is created: objects are checked as stored.
#   scripts/k8s-e2e.sh         both
#
# The server is Debian bookworm's `kubernetes` source package (1.20.2 with vendor/) built with Debian's
# Go 1.19; etcd is Debian's etcd-server. Nothing is installed system-wide: the packages are downloaded
# with a private apt list into the cache and unpacked there. The Go build runs under `nice -n 19`
# (about 16 minutes on 2 idle cores; the binaries are kept, the source and Go cache are deleted).
#
# Environment: K8S_E2E_CACHE (default ~/.cache/orrery-k8s) holds the binaries; K8S_E2E_WORK (default a
# fresh temporary folder, deleted at the end unless K8S_E2E_KEEP=1) holds etcd data, certificates and logs;
# K8S_E2E_PORT (default 16443) and K8S_E2E_ETCD_PORT (default 12379) are the loopback ports.
# Needs: apt-get (Debian), openssl, curl, node + npm (tests/chart tools), helm and kubectl in .tools/bin
# (scripts/test.sh unpacks them).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
CACHE=${K8S_E2E_CACHE:-$HOME/.cache/orrery-k8s}
KPKG=1.20.5+really1.20.2-1.1+deb12u1
KSRC=kubernetes-1.20.2
PORT=${K8S_E2E_PORT:-16443}
ETCD_PORT=${K8S_E2E_ETCD_PORT:-12379}
ETCD_PEER_PORT=$((ETCD_PORT + 1))
BIN=$CACHE/bin
log() { echo "k8s-e2e: $*" >&2; }
die() { echo "k8s-e2e: FAILED: $*" >&2; exit 1; }

apt_private() {
  mkdir -p "$CACHE/apt/lists/partial" "$CACHE/apt/cache/archives/partial"
  cat >"$CACHE/apt/sources.list" <<'EOF'
deb http://deb.debian.org/debian bookworm main
deb-src http://deb.debian.org/debian bookworm main
deb http://deb.debian.org/debian-security bookworm-security main
deb-src http://deb.debian.org/debian-security bookworm-security main
EOF
  APT=(apt-get -qq -o "Dir::Etc::SourceList=$CACHE/apt/sources.list" -o Dir::Etc::SourceParts=/nonexistent
    -o "Dir::State::Lists=$CACHE/apt/lists" -o "Dir::Cache=$CACHE/apt/cache" -o Debug::NoLocking=1
    -o APT::Sandbox::User=root)
  [ -f "$CACHE/apt/lists/.updated" ] || { "${APT[@]}" update && touch "$CACHE/apt/lists/.updated"; }
}

build() {
  if [ -x "$BIN/kube-apiserver" ] && [ -x "$BIN/etcd" ]; then
    log "server binaries already in $BIN ($("$BIN/kube-apiserver" --version))"
    return
  fi
  apt_private
  local dl=$CACHE/dl root=$CACHE/root src=$CACHE/src
  mkdir -p "$dl" "$root" "$src" "$BIN"
  (cd "$dl" && { ls kubernetes_*.dsc >/dev/null 2>&1 || "${APT[@]}" source --download-only "kubernetes=$KPKG"; })
  (cd "$dl" && "${APT[@]}" download golang-1.19-go golang-1.19-src etcd-server golang-github-modern-go-reflect2-dev rsync libpopt0)
  for d in "$dl"/*.deb; do dpkg-deb -x "$d" "$root"; done
  # The kubernetes Makefile copies generated code with rsync: a wrapper finds the unpacked one and its libpopt.
  mkdir -p "$CACHE/tools"
  printf '#!/bin/sh\nLD_LIBRARY_PATH=%s exec %s "$@"\n' "$root/lib/x86_64-linux-gnu:$root/usr/lib/x86_64-linux-gnu" "$root/usr/bin/rsync" >"$CACHE/tools/rsync"
  chmod +x "$CACHE/tools/rsync"
  "$CACHE/tools/rsync" --version >/dev/null || die "the unpacked rsync does not run"
  cp "$root/usr/bin/etcd" "$BIN/etcd"
  if [ ! -d "$src/$KSRC" ]; then
    log "unpacking the kubernetes source package (with Debian's patches)"
    (cd "$src" && dpkg-source --no-check -x "$dl/kubernetes_$KPKG.dsc" "$KSRC" >/dev/null)
  fi
  # The vendored reflect2 1.0.1 crashes kube-apiserver under Go 1.19 (SIGSEGV on the first
  # custom-resource watch): use Debian's 1.0.2 instead.
  local r2=$root/usr/share/gocode/src/github.com/modern-go/reflect2
  [ -d "$r2" ] || die "reflect2 1.0.2 not found in golang-github-modern-go-reflect2-dev"
  rm -rf "$src/$KSRC/vendor/github.com/modern-go/reflect2"
  cp -r "$r2" "$src/$KSRC/vendor/github.com/modern-go/reflect2"
  local start
  start=$(date +%s)
  log "building kube-apiserver with Go 1.19 under nice -n 19 (make also generates the openapi code first; about 16 min on 2 idle cores)"
  (
    export GOROOT=$root/usr/lib/go-1.19 PATH=$root/usr/lib/go-1.19/bin:$CACHE/tools:$PATH
    export GOCACHE=$CACHE/gocache CGO_ENABLED=0 HOME=$CACHE/home KUBE_GIT_VERSION=v1.20.2 KUBE_GIT_TREE_STATE=clean
    mkdir -p "$HOME"
    cd "$src/$KSRC"
    nice -n 19 make WHAT=cmd/kube-apiserver GOLDFLAGS="-s -w" >"$CACHE/build.log" 2>&1
  ) || { tail -40 "$CACHE/build.log" >&2; die "kube-apiserver build failed (log: $CACHE/build.log)"; }
  cp "$src/$KSRC/_output/local/bin/linux/amd64/kube-apiserver" "$BIN/kube-apiserver"
  log "kube-apiserver built in $(($(date +%s) - start))s: $("$BIN/kube-apiserver" --version)"
  rm -rf "$src" "$CACHE/gocache" "$root/usr/lib/go-1.19" "$root/usr/share/go-1.19"
}

# The cluster's certificates: a CA, the apiserver's serving certificate, an admin client in
# system:masters and the service-account key pair.
make_pki() {
  local p=$1
  mkdir -p "$p"
  openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=orrery-e2e-ca -keyout "$p/ca.key" -out "$p/ca.crt" 2>/dev/null
  printf 'subjectAltName=IP:127.0.0.1,DNS:localhost,DNS:kubernetes.default.svc\n' >"$p/san.ext"
  openssl req -newkey rsa:2048 -nodes -subj /CN=kube-apiserver -keyout "$p/apiserver.key" -out "$p/apiserver.csr" 2>/dev/null
  openssl x509 -req -in "$p/apiserver.csr" -CA "$p/ca.crt" -CAkey "$p/ca.key" -CAcreateserial -days 2 -extfile "$p/san.ext" -out "$p/apiserver.crt" 2>/dev/null
  openssl req -newkey rsa:2048 -nodes -subj "/O=system:masters/CN=admin" -keyout "$p/admin.key" -out "$p/admin.csr" 2>/dev/null
  openssl x509 -req -in "$p/admin.csr" -CA "$p/ca.crt" -CAkey "$p/ca.key" -CAcreateserial -days 2 -out "$p/admin.crt" 2>/dev/null
  openssl genrsa -out "$p/sa.key" 2048 2>/dev/null
  openssl rsa -in "$p/sa.key" -pubout -out "$p/sa.pub" 2>/dev/null
}

PIDS=()
cleanup() {
  local pid
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  if [ "${K8S_E2E_KEEP:-0}" != 1 ] && [ -n "${WORK:-}" ] && [ -z "${K8S_E2E_WORK:-}" ]; then rm -rf "$WORK"; fi
}

pod_templates() {
  # Every workload's pod template (Deployment, StatefulSet, Job), as sorted JSON, from the live objects.
  "$KUBECTL" get deploy,statefulset,job -n "$1" -o json |
    node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{const o=JSON.parse(s);
      const out={};for(const i of o.items){out[i.kind+"/"+i.metadata.name]=i.spec.template;}
      const sort=v=>Array.isArray(v)?v.map(sort):v&&typeof v==="object"?Object.fromEntries(Object.keys(v).sort().map(k=>[k,sort(v[k])])):v;
      process.stdout.write(JSON.stringify(sort(out),null,1));});'
}

dropped_fields() {
  # Kubernetes 1.20 has no server-side field validation: a field it does not know, or one behind a feature
  # gate that is off, is dropped without a word. List every field of the rendered chart ($1) that is
  # missing from the objects the server returned for the dry run ($2, JSON).
  node -e 'const fs=require("fs"),YAML=require(process.argv[1]+"/tests/chart/node_modules/yaml");
    const docs=YAML.parseAllDocuments(fs.readFileSync(process.argv[2],"utf8")).map(d=>d.toJSON()).filter(Boolean);
    const got=JSON.parse(fs.readFileSync(process.argv[3],"utf8")),items=got.items??[got];
    const key=o=>o.kind+"/"+o.metadata.name,served=new Map(items.map(o=>[key(o),o])),missing=[];
    const walk=(a,b,path)=>{if(a===null||typeof a!=="object")return;
      if(Array.isArray(a)){a.forEach((x,i)=>walk(x,b?.[i],path+"["+i+"]"));return;}
      for(const k of Object.keys(a)){if(b==null||!(k in b))missing.push(path+"."+k);else walk(a[k],b[k],path+"."+k);}};
    for(const d of docs){const o=served.get(key(d));if(o)walk(d,o,key(d));else missing.push(key(d)+" (not returned)");}
    if(missing.length)console.log(missing.join("\n"));' "$ROOT" "$1" "$2"
}

generated_secrets() {
  # The chart's Secrets (name and data, sorted). Helm's own release records (type helm.sh/release.v1,
  # one per revision) are left out: an upgrade always adds one and marks the previous one superseded.
  "$KUBECTL" get secret -n "$1" --field-selector type!=helm.sh/release.v1 \
    -o jsonpath='{range .items[*]}{.metadata.name}{" "}{.data}{"\n"}{end}' | sort
}

run() {
  [ -x "$BIN/kube-apiserver" ] || die "no kube-apiserver in $BIN: run scripts/k8s-e2e.sh build first"
  local helm=$ROOT/.tools/bin/helm
  KUBECTL=$ROOT/.tools/bin/kubectl
  [ -x "$helm" ] && [ -x "$KUBECTL" ] || die "helm/kubectl missing in .tools/bin: run the chart-tool setup of scripts/test.sh"
  [ -d tests/chart/node_modules/yaml ] || (cd tests/chart && npm ci --no-audit --no-fund --loglevel=error)
  WORK=${K8S_E2E_WORK:-$(mktemp -d /tmp/orrery-k8s-e2e.XXXXXX)}
  mkdir -p "$WORK"
  trap cleanup EXIT
  local p=$WORK/pki
  make_pki "$p"
  "$BIN/etcd" --data-dir "$WORK/etcd-data" --listen-client-urls "http://127.0.0.1:$ETCD_PORT" \
    --advertise-client-urls "http://127.0.0.1:$ETCD_PORT" --listen-peer-urls "http://127.0.0.1:$ETCD_PEER_PORT" \
    --initial-advertise-peer-urls "http://127.0.0.1:$ETCD_PEER_PORT" \
    --initial-cluster "default=http://127.0.0.1:$ETCD_PEER_PORT" --name default >"$WORK/etcd.log" 2>&1 &
  PIDS+=($!)
  # TTLAfterFinished is alpha (off by default) in 1.20 and on by default from 1.21: without the gate the
  # server drops the experiment Jobs' ttlSecondsAfterFinished.
  "$BIN/kube-apiserver" --etcd-servers="http://127.0.0.1:$ETCD_PORT" --bind-address=127.0.0.1 --advertise-address=127.0.0.1 \
    --secure-port="$PORT" --tls-cert-file="$p/apiserver.crt" --tls-private-key-file="$p/apiserver.key" --client-ca-file="$p/ca.crt" \
    --service-account-key-file="$p/sa.pub" --service-account-signing-key-file="$p/sa.key" \
    --service-account-issuer=https://kubernetes.default.svc --service-cluster-ip-range=10.0.0.0/24 \
    --authorization-mode=Node,RBAC --allow-privileged=true --feature-gates=TTLAfterFinished=true >"$WORK/apiserver.log" 2>&1 &
  PIDS+=($!)
  local deadline=$((SECONDS + 90))
  until curl -sf --cacert "$p/ca.crt" --cert "$p/admin.crt" --key "$p/admin.key" "https://127.0.0.1:$PORT/readyz" >/dev/null 2>&1; do
    [ $SECONDS -lt $deadline ] || { tail -30 "$WORK/apiserver.log" >&2; die "kube-apiserver not ready within 90 s"; }
    sleep 0.5
  done
  export KUBECONFIG=$WORK/kubeconfig
  "$KUBECTL" config set-cluster e2e --server="https://127.0.0.1:$PORT" --certificate-authority="$p/ca.crt" --embed-certs >/dev/null
  "$KUBECTL" config set-credentials admin --client-certificate="$p/admin.crt" --client-key="$p/admin.key" --embed-certs >/dev/null
  "$KUBECTL" config set-context e2e --cluster=e2e --user=admin >/dev/null
  "$KUBECTL" config use-context e2e >/dev/null
  local version
  version=$("$KUBECTL" version -o json | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).serverVersion.gitVersion))')
  log "kube-apiserver $version ready on 127.0.0.1:$PORT"

  # Monitoring CRDs (ServiceMonitor, PrometheusRule) so the API server serves those kinds. Their schemas keep
  # unknown fields: the objects themselves are checked against prometheus-operator's schemas offline by the
  # chart tests (tests/chart/validate.mjs); here the server must accept and store them.
  local kind plural short
  for kind in ServiceMonitor:servicemonitors:smon PrometheusRule:prometheusrules:promrule; do
    IFS=: read -r kind plural short <<<"$kind"
    cat <<EOF
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: $plural.monitoring.coreos.com
spec:
  group: monitoring.coreos.com
  scope: Namespaced
  names: {kind: $kind, listKind: ${kind}List, plural: $plural, singular: $(echo "$kind" | tr 'A-Z' 'a-z'), shortNames: [$short]}
  versions:
    - name: v1
      served: true
      storage: true
      schema:
        openAPIV3Schema:
          type: object
          x-kubernetes-preserve-unknown-fields: true
---
EOF
  done >"$WORK/crds.yaml"
  "$KUBECTL" apply -f "$WORK/crds.yaml" >/dev/null
  "$KUBECTL" wait --for=condition=Established --timeout=60s crd/servicemonitors.monitoring.coreos.com crd/prometheusrules.monitoring.coreos.com >/dev/null

  # Kubernetes 1.20 serves no policy/v1 (PodDisruptionBudget is policy/v1beta1 there) and the chart
  # asks for kubeVersion >= 1.27: install a copy with both relaxed; everything else is the chart as it is.
  local chart=$WORK/chart/orrery
  mkdir -p "$WORK/chart" && cp -r helm/orrery "$chart"
  sed -i 's/^kubeVersion:.*/kubeVersion: ">=1.20.0-0"/' "$chart/Chart.yaml"
  grep -rl 'policy/v1$' "$chart/templates" | xargs -r sed -i 's#apiVersion: policy/v1$#apiVersion: policy/v1beta1#'

  local results=() f name ns
  for f in tests/chart/values/*.yaml; do
    name=$(basename "$f" .yaml)
    ns="e2e-$(echo "$name" | tr -c 'a-z0-9\n' '-' | cut -c1-40)"
    log "[$name] kubectl apply --server-side --dry-run=server"
    "$KUBECTL" create namespace "$ns" >/dev/null
    "$helm" template orrery "$chart" -n "$ns" -f "$f" >"$WORK/$name.yaml"
    "$KUBECTL" apply --server-side --dry-run=server -n "$ns" -f "$WORK/$name.yaml" -o json >"$WORK/$name.dryrun" 2>"$WORK/$name.dryrun.err" ||
      { cat "$WORK/$name.dryrun.err" >&2; die "[$name] server-side dry run refused the rendered chart"; }
    dropped_fields "$WORK/$name.yaml" "$WORK/$name.dryrun" >"$WORK/$name.dropped"
    if [ -s "$WORK/$name.dropped" ]; then
      cat "$WORK/$name.dropped" >&2
      die "[$name] the server dropped fields of the rendered chart (unknown to it, or behind a feature gate that is off)"
    fi
    log "[$name] helm install"
    "$helm" install orrery "$chart" -n "$ns" -f "$f" >/dev/null ||
      die "[$name] helm install failed"
    pod_templates "$ns" >"$WORK/$name.before.json"
    generated_secrets "$ns" >"$WORK/$name.secrets.before"
    log "[$name] helm upgrade with the same values"
    "$helm" upgrade orrery "$chart" -n "$ns" -f "$f" >/dev/null ||
      die "[$name] helm upgrade failed"
    pod_templates "$ns" >"$WORK/$name.after.json"
    generated_secrets "$ns" >"$WORK/$name.secrets.after"
    if ! cmp -s "$WORK/$name.secrets.before" "$WORK/$name.secrets.after"; then
      diff "$WORK/$name.secrets.before" "$WORK/$name.secrets.after" | cut -c1-120 >&2 || true
      die "[$name] helm upgrade with unchanged values changed a generated Secret (certificates, cluster secret, Redis password)"
    fi
    if ! diff -u "$WORK/$name.before.json" "$WORK/$name.after.json" >"$WORK/$name.diff"; then
      cat "$WORK/$name.diff" >&2
      die "[$name] helm upgrade with unchanged values changed a pod template"
    fi
    local objects templates secrets
    objects=$(grep -c '^kind:' "$WORK/$name.yaml" || true)
    templates=$(node -e 'console.log(Object.keys(JSON.parse(require("fs").readFileSync(process.argv[1],"utf8"))).length)' "$WORK/$name.before.json")
    secrets=$(wc -l <"$WORK/$name.secrets.before")
    results+=("$name: $objects objects accepted by server-side dry run (no field dropped), installed, upgraded with none of $templates pod templates and $secrets generated Secrets changed")
    # No kube-controller-manager runs, so nothing finalizes a deleted namespace: helm uninstall removes the
    # release's objects, and the namespace is left Terminating (the server is thrown away at the end).
    "$helm" uninstall orrery -n "$ns" >/dev/null || die "[$name] helm uninstall failed"
    "$KUBECTL" delete namespace "$ns" --wait=false >/dev/null
  done
  echo "k8s-e2e: $(date -u +%Y-%m-%dT%H:%MZ), kube-apiserver $version, helm $("$helm" version --short)"
  printf 'k8s-e2e:   %s\n' "${results[@]}"
  echo "${#results[@]} passed, 0 failed"
}

case "${1:-all}" in
  build) build ;;
  run) run ;;
  all) build && run ;;
  *) die "usage: scripts/k8s-e2e.sh [build|run|all]" ;;
esac
