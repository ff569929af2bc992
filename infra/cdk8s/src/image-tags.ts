/**
 * Each service's image tag hashes only that image's inputs (scripts/lib.sh, image_tag), so a change
 * to one service rolls out that service alone. The synth takes them as IMAGE_TAGS,
 * `<service>=<tag>,…`; a service it does not name runs IMAGE_TAG.
 */

/** A tag a cluster can pull by name: not empty and not `latest`, which names no release. */
export function assertReleaseTag(what: string, tag: string): void {
  if (tag === '' || tag === 'latest') throw new Error(`${what} must name a release, got '${tag}'`);
}

/** The per-service tags in IMAGE_TAGS; throws naming the entry when it is malformed or names no catalog service. */
export function parseImageTags(text: string, services: readonly string[]): Record<string, string> {
  const tags: Record<string, string> = {};
  for (const entry of text.split(',').filter((e) => e.trim() !== '')) {
    const match = /^([a-z0-9-]+)=([\w][\w.-]{0,127})$/.exec(entry.trim());
    if (match === null) throw new Error(`IMAGE_TAGS: '${entry}' is not <service>=<tag>`);
    const [, service = '', tag = ''] = match;
    if (!services.includes(service)) {
      throw new Error(`IMAGE_TAGS: '${service}' is no catalog service (${services.join(', ')})`);
    }
    if (service in tags) throw new Error(`IMAGE_TAGS: '${service}' is named twice`);
    assertReleaseTag(`IMAGE_TAGS: the tag of ${service}`, tag);
    tags[service] = tag;
  }
  return tags;
}
