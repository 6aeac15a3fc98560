// Regenerates this service's Kustomize base and overlays: `npm run generate -w @carbon/app-secret-store`.
import { generateServiceScript } from '@carbon/generate/script';

await generateServiceScript('secret-store');
