// Regenerates this service's Kustomize base and overlays: `npm run generate -w @carbon/app-grafana`.
import { generateServiceScript } from '@carbon/generate/script';

await generateServiceScript('grafana');
