/** Every check `platform validate` runs: ID, default severity, one-line rationale, fix hint. */
export type Severity = 'error' | 'warning' | 'notice';

export type Category =
  | 'schema'
  | 'input'
  | 'security'
  | 'supply-chain'
  | 'reliability'
  | 'efficiency'
  | 'networking'
  | 'rbac'
  | 'secrets'
  | 'hygiene'
  | 'flux'
  | 'capacity'
  | 'scheduling'
  | 'resilience'
  | 'single-node'
  | 'observability'
  | 'policy';

export type Rule = { id: string; category: Category; severity: Severity; title: string; rationale: string; hint: string };

const r = (id: string, category: Category, severity: Severity, title: string, rationale: string, hint: string): Rule => ({ id, category, severity, title, rationale, hint });

export const RULES: readonly Rule[] = [
  r('INP001', 'input', 'error', 'Unreadable input', 'Malformed YAML, duplicate keys or a failing kustomize build mean nothing after it can be trusted.', 'Fix the file at the location given; `kustomize build` reproduces build errors.'),
  r('INP002', 'input', 'error', 'Encoding Flux can read', 'kustomize (in Flux as here) refuses a whole YAML file with bytes that are not UTF-8 or control characters other than tab, CR and LF (NUL, DEL, C1): nothing of it is applied.', 'Save the file as UTF-8 and write control characters as escapes inside a double-quoted string ("\\t", "\\u0001"); the error gives the line, column and byte offset.'),
  r('INP003', 'input', 'error', 'Object within the API server\'s size limits', 'The API server refuses a ConfigMap or Secret holding more than 1 MiB of data (MaxSecretSize) and etcd refuses to store an object over 1.5 MiB (--max-request-bytes default): Flux\'s apply fails for the whole Kustomization.', 'Split the data over several objects, mount large files from a volume or an image, or move generated content out of the manifest.'),
  r('INP004', 'input', 'error', 'Names, labels and annotations within their limits', 'The API server refuses an object whose name, namespace, label key or value, or annotation key is not the DNS name or qualified name it must be (253/63 characters, lower case for names), or whose annotations exceed 256 KiB together.', 'Shorten or rename as the message says (names: lower-case letters, digits, "-" and "."; label values: 63 characters, alphanumeric at both ends).'),
  r('KCF001', 'schema', 'error', 'Schema violation', 'The API server rejects objects that do not match the schema (unknown fields included, -strict).', 'Fix the field named in the message; check the apiVersion.'),
  r('KCF002', 'schema', 'error', 'No schema for kind', 'A kind with no schema cannot be checked, so it is an error rather than a silent skip.', 'Fix the apiVersion/kind, or give it a schema: have a Kustomization of this cluster install its CRD (converted for the run), list a folder of JSON schemas (<group>/<kind>_<version>.json) under `schemas:` in platform/policy.yaml, or (this platform) add the CRD source to @carbon/toolchain versions.ts and run `npm run setup`.'),

  r('SEC001', 'security', 'error', 'runAsNonRoot', 'A container running as root turns any escape into root on the node.', 'Set securityContext.runAsNonRoot: true (pod or container) and a non-zero runAsUser.'),
  r('SEC002', 'security', 'warning', 'readOnlyRootFilesystem', 'A writable root filesystem lets an intruder persist tools and tamper with binaries.', 'Set securityContext.readOnlyRootFilesystem: true and mount emptyDir where the app writes.'),
  r('SEC003', 'security', 'error', 'privileged', 'A privileged container has every capability and all host devices.', 'Remove securityContext.privileged or set it to false.'),
  r('SEC004', 'security', 'error', 'allowPrivilegeEscalation', 'setuid binaries can regain privileges unless escalation is disabled.', 'Set securityContext.allowPrivilegeEscalation: false.'),
  r('SEC005', 'security', 'error', 'capabilities', 'Default capabilities (NET_RAW, ...) are more than a service needs.', 'Set capabilities.drop: [ALL]; add back only NET_BIND_SERVICE when needed.'),
  r('SEC006', 'security', 'warning', 'seccomp', 'Without a seccomp profile every syscall is reachable.', 'Set securityContext.seccompProfile.type: RuntimeDefault.'),
  r('SEC007', 'security', 'error', 'hostPath', 'A hostPath volume exposes the node filesystem to the pod.', 'Use a PVC, emptyDir, ConfigMap or Secret; grant an exception with a reason for node agents.'),
  r('SEC008', 'security', 'error', 'host namespaces', 'hostNetwork/hostPID/hostIPC share the node namespaces and bypass NetworkPolicy.', 'Remove hostNetwork/hostPID/hostIPC, or grant an exception with a reason.'),
  r('SEC009', 'security', 'error', 'hostPort', 'hostPort binds the node interface and limits scheduling to one pod per node.', 'Expose the port through a Service instead of hostPort.'),
  r('SEC010', 'security', 'warning', 'service account token', 'An automounted token gives every compromised pod API credentials.', 'Set automountServiceAccountToken: false on the pod (or ServiceAccount) unless it calls the API.'),
  r('SEC011', 'security', 'error', 'secret literal in env', 'A credential written into env is stored in git and shown by kubectl describe.', 'Use env.valueFrom.secretKeyRef backed by an ExternalSecret from Vault.'),

  r('SUP001', 'supply-chain', 'error', 'image registry', 'Images must come through the Harbor mirror: no rate limits, scanned, available when upstream is not.', 'Use the mirror path `<harbor>/<project>/<image>` (`platform images` lists them).'),
  r('SUP002', 'supply-chain', 'error', 'image pinned', 'An image without a tag or digest changes under you.', 'Pin a version tag or an @sha256 digest.'),
  r('SUP003', 'supply-chain', 'error', 'no latest', '`latest` is not a version: rollbacks and diffs become meaningless.', 'Pin a version tag or an @sha256 digest.'),

  r('REL001', 'reliability', 'warning', 'liveness probe', 'A hung process without a liveness probe is never restarted.', 'Add a livenessProbe (httpGet/tcpSocket/exec).'),
  r('REL002', 'reliability', 'warning', 'readiness probe', 'Without a readiness probe traffic reaches pods before they can serve.', 'Add a readinessProbe.'),
  r('REL003', 'reliability', 'error', 'selector matches template', 'A selector that does not match the pod template labels is rejected or orphans pods.', 'Make spec.selector.matchLabels a subset of spec.template.metadata.labels.'),
  r('REL004', 'reliability', 'error', 'PodDisruptionBudget sanity', 'A PDB that selects nothing protects nothing; one that allows no disruption blocks every drain.', 'Select the workload\'s pods and leave at least one pod disruptable (minAvailable < replicas).'),
  r('REL005', 'reliability', 'error', 'HorizontalPodAutoscaler sanity', 'An HPA with min > max, a missing target, or CPU utilisation without CPU requests never scales.', 'Point scaleTargetRef at an existing workload, set minReplicas <= maxReplicas and CPU requests.'),
  r('REL006', 'reliability', 'warning', 'rolling update', 'Recreate (or maxUnavailable 100%) takes every replica down on each rollout.', 'Use strategy RollingUpdate with maxUnavailable below the replica count.'),

  r('EFF001', 'efficiency', 'error', 'requests set', 'Without requests the scheduler cannot place pods sensibly and quotas cannot be checked.', 'Set resources.requests.cpu and resources.requests.memory on every container.'),
  r('EFF002', 'efficiency', 'warning', 'limits set', 'Without a memory limit one pod can take the node down.', 'Set resources.limits.memory (and cpu) on every container.'),
  r('EFF003', 'efficiency', 'error', 'limits >= requests', 'A limit below the request is rejected by the API server.', 'Raise the limit or lower the request.'),

  r('NET001', 'networking', 'error', 'default-deny', 'Without a default-deny policy every pod can reach every other.', 'Add a NetworkPolicy with podSelector: {} and policyTypes [Ingress, Egress] to the namespace.'),
  r('NET002', 'networking', 'error', 'Service targets exist', 'A Service whose selector matches no pod serves nothing.', 'Make the Service selector match a workload\'s pod labels in the same namespace.'),
  r('NET003', 'networking', 'error', 'Ingress targets exist', 'An Ingress to a missing Service (or port) returns 503.', 'Point the backend at an existing Service and one of its ports.'),
  r('NET004', 'networking', 'warning', 'NetworkPolicy targets exist', 'A policy that selects no pods is dead configuration and hides a typo.', 'Make podSelector match the workload\'s pod labels.'),
  r('NET005', 'networking', 'error', 'HPA/PDB targets exist', 'An autoscaler or budget for a missing workload does nothing.', 'Point it at an existing Deployment/StatefulSet (same namespace).'),
  r('NET006', 'networking', 'error', 'Ingress TLS', 'Every public host is served over TLS.', 'Add spec.tls with the host and a cert-manager issuer annotation.'),
  r('NET007', 'networking', 'warning', 'network rule on both sides', 'Every namespace is default-deny both ways: traffic from A to B needs A\'s egress to B and B\'s ingress from A. A rule declared on one side only passes every schema and policy check and the traffic is dropped.', 'Add the matching rule to the peer\'s definition (the message names its file, list and the rule to add), or remove this one.'),

  r('RBAC001', 'rbac', 'error', 'no wildcards', 'Wildcards grant every current and future verb/resource.', 'List the apiGroups, resources and verbs needed.'),
  r('RBAC002', 'rbac', 'error', 'no cluster-admin', 'Binding cluster-admin gives full control of the cluster.', 'Bind a Role/ClusterRole with the permissions needed.'),

  r('SECR001', 'secrets', 'error', 'no literal Secrets', 'A Secret with data in git is a credential in git (the seeds\' admin/ChangeMe123!).', 'Replace it with an ExternalSecret that reads Vault.'),
  r('SECR003', 'secrets', 'error', 'no literal credentials in config files', 'A password written into a mounted config file (superset_config.py, application.yml) is a credential in git and in every diff.', 'Read it from the environment (os.environ["X"], ${X}) backed by an ExternalSecret from Vault.'),
  r('SECR002', 'secrets', 'error', 'Vault references resolve', 'An ExternalSecret whose store is not declared never syncs.', 'Reference a declared SecretStore/ClusterSecretStore.'),

  r('HYG001', 'hygiene', 'error', 'duplicate resources', 'Two sources for one object fight: Flux applies whichever reconciles last.', 'Keep the object in one place.'),
  r('HYG003', 'hygiene', 'error', 'cluster files are applied', 'A manifest in a cluster folder (or next to a kustomization.yaml) that no kustomization lists is never applied: whoever added it expects otherwise.', 'List the file in the folder\'s kustomization.yaml resources, or delete it.'),
  r('HYG002', 'hygiene', 'warning', 'duplicate env vars', 'A duplicated env var silently keeps only the last value.', 'Remove the duplicate entry.'),

  r('FLX001', 'flux', 'error', 'path exists', 'A Kustomization whose path is missing fails to reconcile.', 'Fix spec.path (relative to the source root).'),
  r('FLX002', 'flux', 'error', 'dependsOn targets exist', 'A dependency that does not exist blocks the Kustomization forever.', 'Name an existing Kustomization (and namespace).'),
  r('FLX003', 'flux', 'error', 'sourceRef resolves', 'A Kustomization with no source never reconciles.', 'Declare the GitRepository (or fix the name/namespace).'),
  r('FLX004', 'flux', 'error', 'no dependsOn cycle', 'Kustomizations in a dependency cycle never become ready.', 'Break the cycle.'),
  r('FLX005', 'flux', 'warning', 'interval and timeout', 'Without a timeout a stuck apply blocks every dependant for the default; without an interval drift is never corrected.', 'Set spec.interval and spec.timeout.'),
  r('FLX006', 'flux', 'warning', 'substitution resolvable', 'Variables from substituteFrom live in the cluster, so validate cannot see their values.', 'Inline values under postBuild.substitute if they must be validated.'),
  r('FLX007', 'flux', 'warning', 'pinned source available', 'A pinned commit not in the clone cannot be rendered as deployed; the working tree\'s files for that path are validated instead.', 'Fetch full history (actions/checkout fetch-depth: 0), or fix the pin.'),
  r('FLX008', 'flux', 'notice', 'source outside the repository', 'A Kustomization whose source is an OCIRepository, Bucket, ExternalArtifact or another Git repository applies files this repository does not hold, so they are not rendered or checked.', 'Validate that source in its own repository; nothing to fix here.'),
  r('FLX009', 'flux', 'notice', 'HelmRelease rendered', 'A HelmRelease whose chart or values cannot be read offline is not templated, so the objects its chart makes are not checked.', 'Run with --fetch-charts to fill the chart cache, or see the reason given.'),
  r('FLX011', 'flux', 'warning', 'wait does not outlast the children', 'A Kustomization that waits (wait: true or healthChecks) for Flux Kustomizations it applies waits for their whole dependsOn chain; when the chain\'s timeouts add up past its own timeout, its health check fails while they are still progressing (the real kustomize-controller failed flux-system so, issue 9).', 'Drop wait on a Kustomization that only applies Kustomizations (they carry their own health), or raise its timeout above the chain.'),
  r('FLX012', 'flux', 'warning', 'promotion sources report health', 'A Kustomization an Alert sends to a githubdispatch Provider (a promotion source) is promoted on kustomize-controller\'s "Health check passed" event, the only healthy report such a Provider receives (ReconciliationSucceeded carries commit_status metadata, which notification-controller forwards only to commit-status and generic providers; seen in the e2e, issue 9). Without wait or healthChecks that event is never sent.', 'Set spec.wait: true (the generator does for every service) or spec.healthChecks on the Kustomization.'),
  r('FLX010', 'flux', 'error', 'HelmRelease templates', 'A chart that fails to template with the release\'s values fails to install: helm-controller reports the same error.', 'Fix the values (or the chart version) so `helm template` succeeds.'),

  r('CAP001', 'capacity', 'error', 'namespace requests within quota', 'The ResourceQuota admission controller rejects pods beyond the quota: they never start.', 'Lower requests or replicas, or raise the namespace quota in cluster.yaml.'),
  r('CAP002', 'capacity', 'error', 'namespace limits within quota', 'Limits beyond the quota are rejected at admission.', 'Lower limits, or raise quota.limits in cluster.yaml.'),
  r('CAP003', 'capacity', 'error', 'pod and PVC counts within quota', 'Pods or PVCs beyond the quota count are rejected.', 'Lower replicas/PVCs, or raise the quota counts.'),
  r('CAP004', 'capacity', 'warning', 'fits at peak', 'At HPA maximum the namespace (requests or limits) or cluster would exceed what is declared: scale-up stalls.', 'Lower HPA maxReplicas or raise quota/allocatable.'),
  r('CAP005', 'capacity', 'error', 'cluster requests within allocatable', 'Requests beyond the nodes\' allocatable leave pods Pending.', 'Lower requests/replicas or add nodes.'),
  r('CAP006', 'capacity', 'error', 'storage within declared', 'PVCs beyond the declared storage (node disks or quota) never bind.', 'Shrink PVCs or declare more storage.'),
  r('PLC001', 'scheduling', 'error', 'every pod placeable', 'A pod no node can take stays Pending.', 'Adjust requests, node selectors, anti-affinity or spread, or add capacity.'),
  r('RES001', 'resilience', 'error', 'survives losing a node', 'Production must keep running when any one node is lost.', 'Leave headroom on the other nodes for each node\'s pods.'),
  r('RES002', 'resilience', 'error', 'PDBs let a drain proceed', 'A PDB that allows no eviction blocks node maintenance.', 'Run more replicas than minAvailable, or use maxUnavailable >= 1.'),
  r('RES003', 'resilience', 'error', 'stateless >= 2 replicas', 'One replica of a stateless service is a single point of failure.', 'Run at least 2 replicas on multi-node clusters.'),
  r('RES004', 'resilience', 'warning', 'replicas on distinct nodes', 'Replicas that may land on one node fail together.', 'Add required podAntiAffinity or a DoNotSchedule topologySpreadConstraint on kubernetes.io/hostname.'),
  r('SNG001', 'single-node', 'error', 'satisfiable on one node', 'A rule that needs two nodes (anti-affinity across hostnames) can never be met on one.', 'Relax the rule on single-node clusters (preferred, or replicas 1).'),
  r('SNG002', 'single-node', 'warning', 'PDB blocks node drain', 'On one node, a PDB that allows no eviction blocks every drain and upgrade.', 'Use maxUnavailable: 1 or drop the PDB on single-node.'),

  r('PRM001', 'observability', 'error', 'rules pass promtool', 'Prometheus refuses a whole rule group when one expression does not parse: every alert of that group goes silent.', 'Fix the rule promtool names (`promtool check rules` on the PrometheusRule spec reproduces it); generated rules are fixed in @carbon/manifests.'),
  r('PRM002', 'observability', 'error', 'rules read exported metrics', 'An alert on a metric no target exports never fires, and nobody notices.', 'Fix the metric name, or list what the exporter really exports in platform/metrics.yaml.'),
  r('DSH001', 'observability', 'error', 'dashboard is valid JSON', 'Grafana skips a dashboard file it cannot parse.', 'Fix the JSON (generated dashboards are fixed in @carbon/manifests dashboards.ts).'),
  r('DSH002', 'observability', 'error', 'dashboard UIDs are unique', 'Two dashboards with one uid overwrite each other at every provisioning pass; a missing uid changes every start.', 'Give every dashboard its own stable uid.'),
  r('DSH003', 'observability', 'error', 'dashboard queries read exported metrics', 'A panel on a metric nobody exports is empty when it is needed.', 'Fix the query, or list what the exporter really exports in platform/metrics.yaml.'),
  r('SLO001', 'observability', 'warning', 'public host has an SLO', 'A public host without availability and latency objectives is down until a user says so.', 'Declare `slo` on the public endpoint in the service definition (defaults apply with `slo: {}`), or render a PrometheusRule labelled for the host.'),

  r('POL001', 'policy', 'error', 'exception expired', 'An exception past its expiry no longer applies; the finding it hid is back.', 'Fix the underlying finding or renew the exception with a reason in platform/policy.yaml.'),
  r('POL002', 'policy', 'notice', 'environment checks skipped', 'Capacity/scheduling/resilience need declared nodes and quotas (clusters/<name>/cluster.yaml).', 'Add a cluster.yaml with nodes and namespaces to enable them.'),
];

export const RULE_BY_ID: ReadonlyMap<string, Rule> = new Map(RULES.map((x) => [x.id, x]));

export function rule(id: string): Rule {
  const found = RULE_BY_ID.get(id);
  if (!found) throw new Error(`unknown check id ${id}`);
  return found;
}
