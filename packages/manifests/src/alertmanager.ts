import { DEFAULT_TEAM, type ServiceDefinition, type TeamRouting } from '@carbon/platform';
import { commonLabels, obj, type K8sObject } from './objects.ts';

/**
 * Alertmanager routing generated from the definitions: who is paged for what.
 *
 * - An alert goes to a team by its `team` label (SLO alerts carry their service's team), else by its
 *   `namespace` (a namespace belongs to the team all its services declare; mixed or unowned
 *   namespaces, and alerts without a namespace, go to `platform`).
 * - `critical` pages the team (PagerDuty); everything else goes to the team's chat channel (Slack).
 * - Inhibition: a node that is not Ready silences the alerts of the pods on it; a critical alert
 *   silences its own warning-level sibling (budget burning fast vs slow, volume full vs filling, ...).
 * - Credentials (PagerDuty routing keys, Slack webhook URLs) are keys of the Secret
 *   `alertmanager-receivers`, which External Secrets fills from Vault; git holds only their names.
 */

export const RECEIVERS_SECRET = 'alertmanager-receivers';

/** Each namespace's services by the team they name (a missing `team` is `platform`), namespaces in name order. */
function namespaceTeams(services: ServiceDefinition[]): [string, Map<string, ServiceDefinition[]>][] {
  const byNamespace = new Map<string, Map<string, ServiceDefinition[]>>();
  for (const s of services) {
    const teams = byNamespace.get(s.namespace) ?? new Map<string, ServiceDefinition[]>();
    teams.set(s.team ?? DEFAULT_TEAM, [...(teams.get(s.team ?? DEFAULT_TEAM) ?? []), s]);
    byNamespace.set(s.namespace, teams);
  }
  return [...byNamespace].sort(([a], [b]) => a.localeCompare(b));
}

/** Teams and the namespaces whose alerts they receive, from the definitions. */
export function teamsOf(services: ServiceDefinition[]): TeamRouting[] {
  const teams = new Map<string, string[]>([[DEFAULT_TEAM, []]]);
  for (const s of services) if (!teams.has(s.team ?? DEFAULT_TEAM)) teams.set(s.team ?? DEFAULT_TEAM, []);
  for (const [ns, owners] of namespaceTeams(services)) {
    const owner = owners.size === 1 ? [...owners.keys()][0]! : DEFAULT_TEAM;
    teams.get(owner)!.push(ns);
  }
  return [...teams].map(([team, namespaces]) => ({ team, namespaces })).sort((a, b) => a.team.localeCompare(b.team));
}

/**
 * Namespaces whose services name different teams (a missing `team` counts as `platform`): their
 * namespace-routed alerts go to `platform` instead of the team that otherwise owns them. Each entry
 * lists the services that name a team other than the majority's, so a warning can name the file to fix.
 */
export function mixedTeamNamespaces(services: ServiceDefinition[]): { namespace: string; owner: string; teams: string[]; outliers: { service: string; team: string }[] }[] {
  const out: { namespace: string; owner: string; teams: string[]; outliers: { service: string; team: string }[] }[] = [];
  for (const [namespace, teams] of namespaceTeams(services)) {
    if (teams.size < 2) continue;
    // The team most services name (ties: a named team before platform, then by name) is the one that loses its routing.
    const owner = [...teams].sort(([a, x], [b, y]) => y.length - x.length || Number(a === DEFAULT_TEAM) - Number(b === DEFAULT_TEAM) || a.localeCompare(b))[0]![0];
    out.push({
      namespace,
      owner,
      teams: [...teams.keys()].sort(),
      outliers: [...teams].filter(([team]) => team !== owner).flatMap(([team, members]) => members.map((s) => ({ service: s.name, team }))),
    });
  }
  return out;
}

/** Vault references for the receivers' credentials: one PagerDuty key and one Slack webhook per team. */
export function receiverSecretData(teams: TeamRouting[]): Record<string, string> {
  return Object.fromEntries(teams.flatMap((t) => [[`pagerduty-${t.team}`, `monitoring/alertmanager#pagerduty-${t.team}`], [`slack-${t.team}`, `monitoring/alertmanager#slack-${t.team}`]]));
}

/** Critical alert → the warning it supersedes, and the labels both must share. */
export const SUPERSEDES: readonly { critical: string; warning: string; equal: string[] }[] = [
  { critical: 'ErrorBudgetBurnFast', warning: 'ErrorBudgetBurnSlow', equal: ['slo'] },
  { critical: 'PersistentVolumeFull', warning: 'PersistentVolumeFillingUp', equal: ['namespace', 'persistentvolumeclaim'] },
  { critical: 'CertificateExpiryImminent', warning: 'CertificateExpiringSoon', equal: ['namespace', 'name'] },
  { critical: 'VeleroBackupMissing', warning: 'VeleroBackupTooOld', equal: ['schedule'] },
  { critical: 'VaultDown', warning: 'VaultSealed', equal: [] },
];

type Matcher = { name: string; value: string; matchType: '=' | '=~' | '!=' };
const eq = (name: string, value: string): Matcher => ({ name, value, matchType: '=' });

function teamRoutes(t: TeamRouting): Record<string, unknown>[] {
  const page = { receiver: `pager-${t.team}`, matchers: [eq('severity', 'critical')] };
  const out: Record<string, unknown>[] = [{ receiver: `chat-${t.team}`, matchers: [eq('team', t.team)], routes: [page] }];
  if (t.team !== DEFAULT_TEAM && t.namespaces.length) {
    out.push({ receiver: `chat-${t.team}`, matchers: [{ name: 'namespace', value: t.namespaces.join('|'), matchType: '=~' }], routes: [page] });
  }
  return out;
}

/**
 * The AlertmanagerConfig the Alertmanager resource uses as its whole configuration
 * (`spec.alertmanagerConfiguration`), so its routes match across namespaces.
 */
export function alertmanagerConfig(s: { name: string; namespace: string; service: string }, teams: TeamRouting[]): K8sObject {
  const secret = (key: string) => ({ name: RECEIVERS_SECRET, key });
  const others = teams.filter((t) => t.team !== DEFAULT_TEAM);
  return obj('monitoring.coreos.com/v1alpha1', 'AlertmanagerConfig', { name: s.name, namespace: s.namespace, labels: commonLabels(s.service, 'alertmanager') }, {
    spec: {
      route: {
        receiver: `chat-${DEFAULT_TEAM}`,
        groupBy: ['alertname', 'namespace', 'team'],
        groupWait: '30s',
        groupInterval: '5m',
        repeatInterval: '4h',
        // Owned teams first (by team label, then by namespace); whatever is left is the platform team's.
        routes: [...others.flatMap(teamRoutes), { receiver: `pager-${DEFAULT_TEAM}`, matchers: [eq('severity', 'critical')] }],
      },
      receivers: teams.flatMap((t) => [
        { name: `pager-${t.team}`, pagerdutyConfigs: [{ routingKey: secret(`pagerduty-${t.team}`), sendResolved: true }] },
        {
          name: `chat-${t.team}`,
          slackConfigs: [
            {
              apiURL: secret(`slack-${t.team}`),
              sendResolved: true,
              title: '[{{ .Status | toUpper }}] {{ .CommonLabels.alertname }} ({{ .CommonLabels.severity }})',
              text: '{{ range .Alerts }}{{ .Annotations.summary }} — {{ .Annotations.runbook_url }}\n{{ end }}',
            },
          ],
        },
      ]),
      inhibitRules: [
        // A node that is down explains its pods' alerts (they carry `node`).
        { sourceMatch: [eq('alertname', 'NodeNotReady')], targetMatch: [{ name: 'alertname', value: 'PodNotReady|PodCrashLooping', matchType: '=~' }], equal: ['node'] },
        ...SUPERSEDES.map((x) => ({ sourceMatch: [eq('alertname', x.critical)], targetMatch: [eq('alertname', x.warning)], equal: x.equal })),
      ],
    },
  });
}
