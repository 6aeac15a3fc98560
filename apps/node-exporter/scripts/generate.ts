// Regenerates this service's Kustomize base and overlays: `npm run generate -w @carbon/app-node-exporter`.
import { generateServiceScript } from '@carbon/generate/script';

await generateServiceScript('node-exporter');
