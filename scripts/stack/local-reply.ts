/**
 * The gateway's local_reply_config (from the synthesized EnvoyFilter that merges it into the HTTP
 * connection manager): a mapper whose status_code_filter matches replaces a local reply's body with
 * its json_format, as Envoy does (source/common/local_reply/local_reply.cc). Only the mapper shape
 * the kit synthesizes is read: an EQ status filter and a JSON body format.
 */
import type { KubeObject } from '../../infra/cdk8s/src/gateway-model/kube-object.js';

interface Mapper {
  filter?: { status_code_filter?: { comparison?: { op?: string; value?: { default_value?: number } } } };
  body_format_override?: { content_type?: string; json_format?: Record<string, unknown> };
}

export function localReplyBody(
  objects: readonly KubeObject[],
  status: number,
): { body: string; contentType: string } | undefined {
  for (const filter of objects.filter((o) => o.kind === 'EnvoyFilter')) {
    const patches = (filter.spec as { configPatches?: { patch: { value?: unknown } }[] }).configPatches ?? [];
    for (const p of patches) {
      const value = p.patch.value as { typed_config?: { local_reply_config?: { mappers?: Mapper[] } } } | undefined;
      for (const mapper of value?.typed_config?.local_reply_config?.mappers ?? []) {
        const comparison = mapper.filter?.status_code_filter?.comparison;
        const format = mapper.body_format_override;
        if (comparison?.op !== 'EQ' || comparison.value?.default_value !== status || format?.json_format === undefined)
          continue;
        return {
          body: JSON.stringify(format.json_format),
          contentType: format.content_type ?? 'application/json',
        };
      }
    }
  }
  return undefined;
}
