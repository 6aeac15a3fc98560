// Regenerates this service's Kustomize base and overlays: `npm run generate -w @carbon/app-platform-rbac`.
import { generateServiceScript } from '@carbon/generate/script';

await generateServiceScript('platform-rbac');
