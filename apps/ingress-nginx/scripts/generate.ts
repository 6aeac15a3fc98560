// Regenerates this service's Kustomize base and overlays: `npm run generate -w @carbon/app-ingress-nginx`.
import { generateServiceScript } from '@carbon/generate/script';

await generateServiceScript('ingress-nginx');
