// Regenerates this service's Kustomize base and overlays: `npm run generate -w @carbon/app-cluster-issuers`.
import { generateServiceScript } from '@carbon/generate/script';

await generateServiceScript('cluster-issuers');
