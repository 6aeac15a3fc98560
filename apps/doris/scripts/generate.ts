// Regenerates this service's Kustomize base and overlays: `npm run generate -w @carbon/app-doris`.
import { generateServiceScript } from '@carbon/generate/script';

await generateServiceScript('doris');
