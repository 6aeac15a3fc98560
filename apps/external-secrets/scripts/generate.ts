// Regenerates this service's Kustomize base and overlays: `npm run generate -w @carbon/app-external-secrets`.
import { generateServiceScript } from '@carbon/generate/script';

await generateServiceScript('external-secrets');
