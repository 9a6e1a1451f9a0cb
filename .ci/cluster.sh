#!/usr/bin/env bash
# A loopback-only Kubernetes control plane with simulated (kwok) nodes, built from published Go
# modules, for running the whole platform against a real API server on one machine (docs/cluster.md).
#
#   .ci/cluster.sh build [piece...]   build and cache the binaries (idempotent; pieces: kubernetes kwok etcd)
#   .ci/cluster.sh start              start etcd, kube-apiserver, controller-manager, scheduler, kwok;
#                                     install CRDs, StorageClass, ClusterIssuer; write the kubeconfig
#   .ci/cluster.sh stop               stop every process `start` started, by the PIDs it recorded
#   .ci/cluster.sh status             which of those processes run, and whether the API server is ready
#   .ci/cluster.sh env                print `export KUBECONFIG=...` lines for eval
#
# Versions are pinned in the wrapper Go modules under .ci/kube/ (go.mod + go.sum). Binaries are cached
# outside the repository in $SCAI_KUBE_HOME (default ~/.cache/scai-kube), each with a stamp of the
# version and wrapper module it was built from, so a second `build` takes seconds.
set -euo pipefail
cd "$(dirname "$0")/.."
REPO="$PWD"
KUBE_MODS="$REPO/.ci/kube"

# pinned MODULE of wrapper DIR: its version, as go.mod requires it (the one place versions are pinned).
pinned() { awk -v m="$1" '($1 == m) { print $2 } ($1 == "require" && $2 == m) { print $3 }' "$KUBE_MODS/$2/go.mod" | head -1; }
K8S_VERSION="$(pinned k8s.io/kubernetes kubernetes)"   # v1.37.2
KWOK_VERSION="$(pinned sigs.k8s.io/kwok kwok)"         # v0.8.0

KUBE_HOME="${SCAI_KUBE_HOME:-$HOME/.cache/scai-kube}"
BIN="$KUBE_HOME/bin"
STAMPS="$KUBE_HOME/stamps"
export GOTOOLCHAIN=local GOFLAGS="${GOFLAGS:--buildvcs=false}" CGO_ENABLED=0

say() { echo "cluster: $*"; }
die() { echo "cluster: $*" >&2; exit 1; }

mod_hash() { (cd "$1" && cat go.mod go.sum | sha256sum | cut -c1-16); }
stamp_ok() { [ -f "$STAMPS/$1" ] && [ "$(cat "$STAMPS/$1")" = "$2" ]; }
stamp_set() { mkdir -p "$STAMPS" && echo "$2" > "$STAMPS/$1"; }

# gobuild NAME MODULE_DIR OUTPUT PACKAGE LDFLAGS: one `go build` inside a wrapper module, with its wall
# time and peak memory (GNU time), and a line every 30 s so a long cold build is visibly alive.
gobuild() {
  local name="$1" dir="$2" out="$3" pkg="$4" ldflags="$5" started=$SECONDS tick rc=0
  local timer=()
  [ -x /usr/bin/time ] && timer=(/usr/bin/time -f "$name: %e s wall, %M KiB peak (go build, largest process)")
  say "building $name ($pkg)"
  ( while sleep 30; do say "  $name: still building, $((SECONDS - started)) s"; done ) &
  tick=$!
  (cd "$dir" && "${timer[@]}" go build -trimpath -ldflags "$ldflags" -o "$out.tmp" "$pkg") || rc=$?
  kill "$tick" 2>/dev/null; wait "$tick" 2>/dev/null || true
  [ "$rc" = 0 ] || die "$name: go build failed (exit $rc)"
  mv "$out.tmp" "$out"
  say "$name: built in $((SECONDS - started)) s"
}

build_kubernetes() {
  local dir="$KUBE_MODS/kubernetes" stamp
  stamp="$K8S_VERSION $(mod_hash "$dir")"
  local v="$K8S_VERSION" major minor
  major="$(echo "${v#v}" | cut -d. -f1)"; minor="$(echo "${v#v}" | cut -d. -f2)"
  # Without these the binaries call themselves v0.0.0-master and kubectl refuses the server's version.
  local ld="-s -w" pkg
  for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    ld+=" -X $pkg.gitVersion=$v -X $pkg.gitMajor=$major -X $pkg.gitMinor=$minor -X $pkg.gitTreeState=clean"
  done
  local name
  # kube-apiserver first: it is the long one (12-21 min cold on 2 cores); the rest reuse its build cache.
  for name in kube-apiserver kube-controller-manager kube-scheduler kubectl; do
    if [ -x "$BIN/$name" ] && stamp_ok "$name" "$stamp"; then
      say "$name $K8S_VERSION already built"
    else
      gobuild "$name" "$dir" "$BIN/$name" "k8s.io/kubernetes/cmd/$name" "$ld"
      stamp_set "$name" "$stamp"
    fi
  done
}

build_kwok() {
  local dir="$KUBE_MODS/kwok" stamp
  stamp="$KWOK_VERSION $(mod_hash "$dir")"
  if [ -x "$BIN/kwok" ] && stamp_ok kwok "$stamp"; then
    say "kwok $KWOK_VERSION already built"
  else
    gobuild kwok "$dir" "$BIN/kwok" sigs.k8s.io/kwok/cmd/kwok "-s -w -X sigs.k8s.io/kwok/pkg/consts.Version=${KWOK_VERSION#v}"
    stamp_set kwok "$stamp"
  fi
}

build_etcd() {
  local dir="$KUBE_MODS/etcd" stamp version
  version="$(pinned go.etcd.io/etcd/server/v3 etcd)"
  stamp="$version $(mod_hash "$dir")"
  if [ -x "$BIN/etcd" ] && stamp_ok etcd "$stamp"; then
    say "etcd $version already built"
  else
    gobuild etcd "$dir" "$BIN/etcd" go.etcd.io/etcd/server/v3 "-s -w"
    stamp_set etcd "$stamp"
  fi
}

cmd_build() {
  local pieces=("$@") piece started=$SECONDS
  [ ${#pieces[@]} -gt 0 ] || pieces=(kubernetes kwok etcd)
  command -v go >/dev/null || die "no Go toolchain on PATH"
  mkdir -p "$BIN"
  for piece in "${pieces[@]}"; do
    case "$piece" in
      kubernetes) build_kubernetes ;;
      kwok) build_kwok ;;
      etcd) build_etcd ;;
      *) die "unknown piece '$piece' (allowed: kubernetes kwok etcd)" ;;
    esac
  done
  say "build: every piece ready in $BIN ($((SECONDS - started)) s)"
}

# ---------------------------------------------------------------------------------------------
# Running it. Every server listens on 127.0.0.1 only; ports can be moved with the variables below.
RUN="$KUBE_HOME/run"                 # wiped by every `start`: certificates, etcd data, logs, PIDs
KUBECONFIG_OUT="$KUBE_HOME/kubeconfig" # admin kubeconfig (what Pulumi.cluster.yaml points at)
CONTEXT=scai-kwok
ETCD_PORT="${SCAI_KUBE_ETCD_PORT:-23790}"
ETCD_PEER_PORT="${SCAI_KUBE_ETCD_PEER_PORT:-23800}"
API_PORT="${SCAI_KUBE_API_PORT:-16443}"
KCM_PORT="${SCAI_KUBE_KCM_PORT:-10357}"
SCHED_PORT="${SCAI_KUBE_SCHEDULER_PORT:-10359}"
KWOK_PORT="${SCAI_KUBE_KWOK_PORT:-10347}"
NODES="${SCAI_KUBE_NODES:-2}"
SERVICE_CIDR=10.96.0.0/16
# Started in this order, stopped in the reverse one.
COMPONENTS=(etcd kube-apiserver kube-controller-manager kube-scheduler kwok)

kctl() { KUBECACHEDIR="$RUN/kube-cache" "$BIN/kubectl" --kubeconfig "$KUBECONFIG_OUT" "$@"; }

# Directory of a pinned Go module (downloaded through the Go proxy, checked against go.sum).
module_dir() {
  local wrapper="$1" module="$2" version
  version="$(awk -v m="$module" '$1 == m { print $2 }' "$wrapper/go.mod" | head -1)"
  [ -n "$version" ] || die "$module is not pinned in $wrapper/go.mod"
  (cd "$wrapper" && go mod download -json "$module@$version") | node -e '
    const m = JSON.parse(require("fs").readFileSync(0, "utf8"));
    if (m.Error || !m.Dir) { console.error(m.Error || "no Dir"); process.exit(1); }
    process.stdout.write(m.Dir);'
}

pid_of() { [ -f "$RUN/pids/$1" ] && cat "$RUN/pids/$1"; }
# Alive, and still the binary we started (a PID can be reused after a crash or a reboot).
alive() {
  local pid; pid="$(pid_of "$1")" || return 1
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null && tr '\0' ' ' < "/proc/$pid/cmdline" 2>/dev/null | grep -q "^$BIN/$1 "
}

# launch NAME ARGS...: starts one component in the background, its log and PID under $RUN.
launch() {
  local name="$1"; shift
  nohup "$BIN/$name" "$@" > "$RUN/logs/$name.log" 2>&1 < /dev/null &
  echo $! > "$RUN/pids/$name"
  say "started $name (pid $!, log $RUN/logs/$name.log)"
}

# wait_for WHAT SECONDS COMMAND...: polls COMMAND once a second; on timeout shows the logs' tails.
wait_for() {
  local what="$1" limit="$2" started=$SECONDS; shift 2
  until "$@" > /dev/null 2>&1; do
    if [ $((SECONDS - started)) -ge "$limit" ]; then
      for c in "${COMPONENTS[@]}"; do [ -f "$RUN/logs/$c.log" ] && { echo "--- $c.log (tail)"; tail -n 15 "$RUN/logs/$c.log"; }; done >&2
      die "$what: not ready after $limit s"
    fi
    local c; for c in "${COMPONENTS[@]}"; do
      if [ -f "$RUN/pids/$c" ] && ! alive "$c"; then tail -n 30 "$RUN/logs/$c.log" >&2; die "$c exited (while waiting for $what)"; fi
    done
    sleep 1
  done
  say "$what ready ($((SECONDS - started)) s)"
}

port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# Certificates with openssl: one CA, the API server's serving certificate, one client certificate
# per component, and the service-account signing key pair.
make_pki() {
  local pki="$RUN/pki"
  mkdir -p "$pki"
  openssl req -x509 -newkey rsa:2048 -nodes -days 7 -subj "/CN=scai-kube-ca" \
    -keyout "$pki/ca.key" -out "$pki/ca.crt" 2>/dev/null
  cert() { # cert NAME SUBJECT [EXTENSIONS]
    local name="$1" subj="$2" ext="${3:-extendedKeyUsage=clientAuth}"
    openssl req -newkey rsa:2048 -nodes -subj "$subj" -keyout "$pki/$name.key" -out "$pki/$name.csr" 2>/dev/null
    openssl x509 -req -in "$pki/$name.csr" -CA "$pki/ca.crt" -CAkey "$pki/ca.key" -CAcreateserial -days 7 \
      -extfile <(printf '%s\n' "$ext") -out "$pki/$name.crt" 2>/dev/null
  }
  cert apiserver "/CN=kube-apiserver" "$(printf '%s\n' \
    "subjectAltName=IP:127.0.0.1,IP:10.96.0.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local" \
    "extendedKeyUsage=serverAuth")"
  cert admin "/O=system:masters/CN=scai-admin"
  cert kube-controller-manager "/CN=system:kube-controller-manager"
  cert kube-scheduler "/CN=system:kube-scheduler"
  # kwok writes node, pod and volume status and creates PersistentVolumes: an administrator.
  cert kwok "/O=system:masters/CN=kwok-controller"
  openssl genrsa -out "$pki/sa.key" 2048 2>/dev/null
  openssl rsa -in "$pki/sa.key" -pubout -out "$pki/sa.pub" 2>/dev/null
}

# kubeconfig_for USER FILE: a kubeconfig with USER's client certificate, embedded.
kubeconfig_for() {
  local user="$1" file="$2" pki="$RUN/pki"
  b64() { base64 -w0 < "$1"; }
  cat > "$file" <<KUBECONFIG
apiVersion: v1
kind: Config
clusters:
- name: $CONTEXT
  cluster:
    server: https://127.0.0.1:$API_PORT
    certificate-authority-data: $(b64 "$pki/ca.crt")
users:
- name: $user
  user:
    client-certificate-data: $(b64 "$pki/$user.crt")
    client-key-data: $(b64 "$pki/$user.key")
contexts:
- name: $CONTEXT
  context:
    cluster: $CONTEXT
    user: $user
current-context: $CONTEXT
KUBECONFIG
  chmod 600 "$file"
}

cmd_start() {
  local started=$SECONDS c name
  for c in "${COMPONENTS[@]}" kubectl; do
    [ -x "$BIN/$c" ] || die "$BIN/$c is missing: run .ci/cluster.sh build first"
  done
  for c in "${COMPONENTS[@]}"; do
    alive "$c" && die "already running ($c, pid $(pid_of "$c")): .ci/cluster.sh stop first"
  done
  for c in "$ETCD_PORT" "$ETCD_PEER_PORT" "$API_PORT" "$KCM_PORT" "$SCHED_PORT" "$KWOK_PORT"; do
    port_free "$c" || die "127.0.0.1:$c is in use (move it with the SCAI_KUBE_*_PORT variables)"
  done
  local kwok_dir crd_keda crd_cm
  kwok_dir="$(module_dir "$KUBE_MODS/kwok" sigs.k8s.io/kwok)"
  crd_keda="$(module_dir "$KUBE_MODS/crds" github.com/kedacore/keda/v2)/config/crd/bases"
  crd_cm="$(module_dir "$KUBE_MODS/crds" github.com/cert-manager/cert-manager)/deploy/crds"

  rm -rf "$RUN"
  mkdir -p "$RUN/pids" "$RUN/logs" "$RUN/etcd" "$RUN/kube-cache"
  make_pki
  kubeconfig_for admin "$KUBECONFIG_OUT"
  for c in kube-controller-manager kube-scheduler kwok; do kubeconfig_for "$c" "$RUN/$c.kubeconfig"; done
  local pki="$RUN/pki"

  # A fresh data directory every run; fsync off: this store lives for one test run.
  launch etcd --name scai --data-dir "$RUN/etcd" --unsafe-no-fsync \
    --listen-client-urls "http://127.0.0.1:$ETCD_PORT" --advertise-client-urls "http://127.0.0.1:$ETCD_PORT" \
    --listen-peer-urls "http://127.0.0.1:$ETCD_PEER_PORT" --initial-advertise-peer-urls "http://127.0.0.1:$ETCD_PEER_PORT" \
    --initial-cluster "scai=http://127.0.0.1:$ETCD_PEER_PORT"
  wait_for etcd 30 curl -fsS "http://127.0.0.1:$ETCD_PORT/health"

  # --endpoint-reconciler-type=none: the default reconciler refuses to advertise a loopback address.
  # --allow-privileged as kubeadm (so kind) sets it: Pod Security admission, not this flag, is what
  # must refuse a privileged Pod in the environment's namespace.
  launch kube-apiserver --etcd-servers "http://127.0.0.1:$ETCD_PORT" \
    --bind-address 127.0.0.1 --advertise-address 127.0.0.1 --secure-port "$API_PORT" \
    --endpoint-reconciler-type none --service-cluster-ip-range "$SERVICE_CIDR" \
    --tls-cert-file "$pki/apiserver.crt" --tls-private-key-file "$pki/apiserver.key" \
    --client-ca-file "$pki/ca.crt" --authorization-mode RBAC --allow-privileged \
    --service-account-issuer https://kubernetes.default.svc.cluster.local \
    --service-account-key-file "$pki/sa.pub" --service-account-signing-key-file "$pki/sa.key" \
    --profiling=false
  wait_for kube-apiserver 120 kctl get --raw /readyz

  # One identity per controller (service-account credentials), as kubeadm runs it.
  launch kube-controller-manager --kubeconfig "$RUN/kube-controller-manager.kubeconfig" \
    --authentication-kubeconfig "$RUN/kube-controller-manager.kubeconfig" \
    --authorization-kubeconfig "$RUN/kube-controller-manager.kubeconfig" \
    --bind-address 127.0.0.1 --secure-port "$KCM_PORT" --leader-elect=false \
    --use-service-account-credentials --service-account-private-key-file "$pki/sa.key" \
    --root-ca-file "$pki/ca.crt" --cluster-signing-cert-file "$pki/ca.crt" --cluster-signing-key-file "$pki/ca.key" \
    --service-cluster-ip-range "$SERVICE_CIDR" --profiling=false
  launch kube-scheduler --kubeconfig "$RUN/kube-scheduler.kubeconfig" \
    --authentication-kubeconfig "$RUN/kube-scheduler.kubeconfig" \
    --authorization-kubeconfig "$RUN/kube-scheduler.kubeconfig" \
    --bind-address 127.0.0.1 --secure-port "$SCHED_PORT" --leader-elect=false --profiling=false

  # kwok plays every node's kubelet. Stages: the ones kwok ships (nodes become Ready and keep their
  # leases; pods become Ready, Job pods complete, deleted pods go; claims of the kwok-volume class
  # get a volume) plus ours (.ci/kube/stages.yaml: the ingress controller's and the cloud's status).
  local stages=() s
  for s in node/fast/node-initialize.yaml node/heartbeat-with-lease/node-heartbeat-with-lease.yaml \
           pod/fast/pod-ready.yaml pod/fast/pod-complete.yaml pod/fast/pod-delete.yaml \
           volume/fast/pvc-provision.yaml volume/fast/pv-bind.yaml volume/fast/pvc-delete.yaml volume/fast/pv-delete.yaml; do
    stages+=(--config "$kwok_dir/kustomize/stage/$s")
  done
  stages+=(--config "$KUBE_MODS/stages.yaml")
  # Leases are the nodes' heartbeat (the heartbeat-with-lease stage writes node status only every
  # ~10 min): without them the node-lifecycle controller calls the nodes NotReady after its grace period.
  launch kwok --kubeconfig "$RUN/kwok.kubeconfig" --manage-all-nodes=true --node-lease-duration-seconds 40 \
    --server-address "127.0.0.1:$KWOK_PORT" "${stages[@]}"

  # The simulated nodes, spread over zones like a small real cluster.
  local i
  for ((i = 0; i < NODES; i++)); do
    kctl apply --server-side -f - > /dev/null <<NODE
apiVersion: v1
kind: Node
metadata:
  name: kwok-node-$i
  annotations:
    kwok.x-k8s.io/node: fake
    node.alpha.kubernetes.io/ttl: "0"
  labels:
    kubernetes.io/hostname: kwok-node-$i
    kubernetes.io/os: linux
    kubernetes.io/arch: amd64
    topology.kubernetes.io/zone: zone-$((i % 3))
    type: kwok
NODE
  done
  wait_for "$NODES kwok node(s)" 60 kctl wait --for condition=Ready node --all --timeout 5s
  # New namespaces get their `default` ServiceAccount from the controller-manager: proof it works.
  wait_for kube-controller-manager 60 kctl get serviceaccount default --namespace default

  kctl apply --server-side -f "$kwok_dir/kustomize/stage/volume/fast/storage-class.yaml" > /dev/null
  say "StorageClass kwok-volume (the cluster default, as kind's 'standard' is; kwok provisions its volumes)"
  kctl apply --server-side -f "$crd_keda" -f "$crd_cm" > /dev/null
  wait_for "KEDA and cert-manager CRDs" 60 kctl wait --for condition=Established crd --all --timeout 10s
  kctl apply --server-side -f "$KUBE_MODS/cluster-issuer.yaml" > /dev/null
  say "CRDs: $(kctl get crd -o name | wc -l) ($(ls "$crd_keda" | wc -l) KEDA, cert-manager's); ClusterIssuer selfsigned"

  say "ready in $((SECONDS - started)) s: API server https://127.0.0.1:$API_PORT, kubeconfig $KUBECONFIG_OUT"
  say "use it: eval \"\$(.ci/cluster.sh env)\"; stop it: .ci/cluster.sh stop"
}

cmd_stop() {
  local i c pid n=0
  for ((i = ${#COMPONENTS[@]} - 1; i >= 0; i--)); do
    c="${COMPONENTS[$i]}"
    pid="$(pid_of "$c")" || continue
    if alive "$c"; then
      kill "$pid" 2>/dev/null || true
      for _ in $(seq 1 20); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
      if kill -0 "$pid" 2>/dev/null; then kill -9 "$pid" 2>/dev/null || true; say "$c (pid $pid) killed"; else say "$c (pid $pid) stopped"; fi
      n=$((n + 1))
    fi
    rm -f "$RUN/pids/$c"
  done
  [ "$n" -gt 0 ] || say "nothing running"
}

cmd_status() {
  local c up=0
  for c in "${COMPONENTS[@]}"; do
    if alive "$c"; then say "$c running (pid $(pid_of "$c"))"; up=$((up + 1)); else say "$c not running"; fi
  done
  if [ "$up" -gt 0 ] && kctl get --raw /readyz > /dev/null 2>&1; then say "API server ready at https://127.0.0.1:$API_PORT"; fi
  [ "$up" = "${#COMPONENTS[@]}" ]
}

cmd_env() {
  echo "export KUBECONFIG=$KUBECONFIG_OUT"
  echo "export KUBECACHEDIR=$RUN/kube-cache"
  echo "export PATH=$BIN:\$PATH"
}

main() {
  local cmd="${1:-}"; shift || true
  case "$cmd" in
    build) cmd_build "$@" ;;
    start) cmd_start ;;
    stop) cmd_stop ;;
    status) cmd_status ;;
    env) cmd_env ;;
    *) die "usage: .ci/cluster.sh build|start|stop|status|env" ;;
  esac
}
main "$@"
