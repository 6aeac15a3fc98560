// Regenerates this service's Kustomize base and overlays: `npm run generate -w @carbon/app-minio`.
import { generateServiceScript } from '@carbon/generate/script';

await generateServiceScript('minio');
