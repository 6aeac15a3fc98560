// Regenerates this service's Kustomize base and overlays: `npm run generate -w @carbon/app-cert-manager`.
import { generateServiceScript } from '@carbon/generate/script';

await generateServiceScript('cert-manager');
