import { trace } from '@opentelemetry/api';
import { ZipkinExporter } from '@opentelemetry/exporter-zipkin';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';

/**
 * Exports the spans the app makes itself (the async hop: publishing and consuming events) to the
 * same Zipkin-compatible collector the sidecars report to, so Jaeger joins them into one trace.
 * HTTP spans come from the sidecars; the app makes none of its own. Sampling follows the caller's
 * decision (the sampled flag in traceparent / x-b3-sampled), as Istio made it at the gateway.
 * Returns a function that flushes and stops the exporter.
 */
export function exportSpans(service: string, zipkinUrl: string): () => Promise<void> {
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': service }),
    spanProcessors: [new BatchSpanProcessor(new ZipkinExporter({ url: zipkinUrl, serviceName: service }))],
  });
  trace.setGlobalTracerProvider(provider);
  return () => provider.shutdown();
}
