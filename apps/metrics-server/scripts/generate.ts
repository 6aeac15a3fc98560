// Regenerates this service's Kustomize base and overlays: `npm run generate -w @carbon/app-metrics-server`.
import { generateServiceScript } from '@carbon/generate/script';

await generateServiceScript('metrics-server');
