// Pinned, checksum-verified sources for @carbon/toolchain (Kubernetes OpenAPI + CRD YAML).
// Nothing here is built: setup runs `go mod download -json <module>@<version>` in this folder,
// which verifies every zip against go.sum. Keep in sync with ../src/versions.ts (a test checks).
module carbon.local/toolchain-sources

go 1.24

require (
	k8s.io/kubernetes v1.31.14
	github.com/fluxcd/source-controller v1.9.6
	github.com/fluxcd/kustomize-controller v1.9.6
	github.com/fluxcd/helm-controller v1.4.3
	github.com/fluxcd/notification-controller v1.9.2
	github.com/cert-manager/cert-manager v1.16.5
	github.com/prometheus-operator/prometheus-operator v0.78.2
	github.com/vmware-tanzu/velero v1.15.2
	github.com/external-secrets/external-secrets v0.12.1
)
