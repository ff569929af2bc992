import type { Rule } from '../model.js';

/** Every DestinationRule ejects failing endpoints, so retries go elsewhere. */
export const outlierDetection: Rule = {
  name: 'outlier-detection',
  summary: 'every DestinationRule sets trafficPolicy.outlierDetection',
  check({ destinationRules }) {
    return destinationRules
      .filter(
        (dr) =>
          (dr.spec as { trafficPolicy?: { outlierDetection?: unknown } }).trafficPolicy?.outlierDetection === undefined,
      )
      .map((dr) => `DestinationRule ${dr.metadata.name}: no outlierDetection`);
  },
};
