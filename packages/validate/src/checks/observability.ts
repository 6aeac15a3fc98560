import type { Check } from '../types.ts';

/** The label @carbon/manifests puts on an SLO's PrometheusRule (kept literal: validate reads any repository). */
const SLO_HOST_LABEL = 'slo.254carbon.com/host';

type IngressSpec = { rules?: { host?: string }[] };

/** SLO001: every host an Ingress serves has a PrometheusRule carrying its SLO on the same cluster. */
export const observabilityChecks: Check = (view, emit) => {
  const covered = new Set(
    view.objects
      .filter((o) => o.object.kind === 'PrometheusRule')
      .map((o) => o.object.metadata?.labels?.[SLO_HOST_LABEL])
      .filter((h): h is string => typeof h === 'string'),
  );
  for (const ro of view.objects) {
    if (ro.object.kind !== 'Ingress') continue;
    ((ro.object as { spec?: IngressSpec }).spec?.rules ?? []).forEach((r, i) => {
      if (r.host && !covered.has(r.host)) emit('SLO001', ro, `public host ${r.host} has no SLO (no PrometheusRule labelled ${SLO_HOST_LABEL}: ${r.host})`, ['spec', 'rules', i, 'host']);
    });
  }
};
