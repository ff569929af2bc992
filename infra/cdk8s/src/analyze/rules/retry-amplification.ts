import type { Rule } from '../model.js';

/** No call path from the gateway multiplies attempts beyond the catalog's bound. */
export const retryAmplification: Rule = {
  name: 'retry-amplification',
  summary: "worst-case attempts along every call path stay within the catalog's bound",
  check({ paths, maxAmplification }) {
    if (maxAmplification === undefined) return [];
    return paths
      .filter((p) => p.amplification > maxAmplification)
      .map(
        (p) =>
          `call path ${p.hops.map((h) => h.key).join(' → ')}: ${p.amplification} worst-case attempts exceed the bound of ${maxAmplification}`,
      );
  },
};
