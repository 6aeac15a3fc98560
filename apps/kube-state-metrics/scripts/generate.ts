// Regenerates this service's Kustomize base and overlays: `npm run generate -w @carbon/app-kube-state-metrics`.
import { generateServiceScript } from '@carbon/generate/script';

await generateServiceScript('kube-state-metrics');
