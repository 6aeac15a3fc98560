// Regenerates this service's Kustomize base and overlays: `npm run generate -w @carbon/app-loki`.
import { generateServiceScript } from '@carbon/generate/script';

await generateServiceScript('loki');
