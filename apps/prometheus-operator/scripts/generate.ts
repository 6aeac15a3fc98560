// Regenerates this service's Kustomize base and overlays: `npm run generate -w @carbon/app-prometheus-operator`.
import { generateServiceScript } from '@carbon/generate/script';

await generateServiceScript('prometheus-operator');
