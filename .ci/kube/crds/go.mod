// Wrapper module: pins the custom resource definitions .ci/cluster.sh installs. Nothing here is
// compiled: the CRD manifests ship inside these modules (KEDA: config/crd/bases/, cert-manager:
// deploy/crds/), and `go mod download -json` finds them, checked against go.sum.
module scai-platform/ci/kube/crds

go 1.26.0

require (
	github.com/cert-manager/cert-manager v1.21.2
	github.com/kedacore/keda/v2 v2.21.0
)
