/**
 * Prints the catalog's service names, one a line: the images scripts/images.sh builds from the
 * Dockerfile and scripts/load.sh loads into kind. The catalog is the only list of services.
 */
import { catalog } from '../infra/cdk8s/src/catalog.js';

for (const service of catalog.services) console.log(service.name);
