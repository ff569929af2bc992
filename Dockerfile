# The image of every Node service: one npm workspace under services/, named by SERVICE.
# Build from the repository root (the npm workspace); scripts/images.sh builds one per catalog service:
#   docker buildx build --build-arg SERVICE=users -t mesh-kit/users:0.1.0 .
# The rules it meets are tested in test/dockerfiles.test.ts.

# The base of every stage. CI, which reaches no image registry, builds from a stand-in made of
# Debian packages and the same Node major (scripts/ci/base-image.sh): every RUN below is plain POSIX
# sh, the same on Alpine and Debian.
ARG NODE_IMAGE=node:24-alpine
# BuildKit sets $BUILDPLATFORM (declaring it here would empty it); the classic builder (Docker
# without buildx) sets nothing, so scripts/images.sh passes --build-arg BUILD_PLATFORM=linux/<arch> there.
ARG BUILD_PLATFORM

# Compile with the whole toolchain, on the build machine's own platform: the output is plain
# JavaScript, the same for every target platform.
FROM --platform=${BUILD_PLATFORM:-$BUILDPLATFORM} ${NODE_IMAGE} AS build
ARG SERVICE
RUN test -n "$SERVICE" || { echo 'build with --build-arg SERVICE=<a workspace under services/>' >&2; exit 1; }
WORKDIR /app
COPY package.json package-lock.json tsconfig.base.json ./
# The two libraries every service uses: the catalog with the shared contracts, and the runtime.
COPY packages/catalog/package.json packages/catalog/
COPY services/runtime/package.json services/runtime/
COPY services/${SERVICE}/package.json services/${SERVICE}/
# No package's install script runs (none of the production dependencies has one; the dev tools
# that do, esbuild and ssh2, work without theirs).
RUN npm ci --ignore-scripts --workspace=services/${SERVICE} --include-workspace-root --no-audit --no-fund
COPY packages/catalog/ packages/catalog/
COPY services/runtime/ services/runtime/
COPY services/${SERVICE}/ services/${SERVICE}/
# A workspace with a `build` script (web: its browser app) runs it too.
RUN npx tsc -b services/${SERVICE} && npm run build --if-present --workspace=services/${SERVICE}
# What the image runs, gathered in out/: each workspace's package.json and dist, and the
# service's migrations when it owns a database (services without one have no migrations/).
RUN mkdir -p out/packages/catalog out/services/runtime out/services/${SERVICE} \
  && cp -R packages/catalog/package.json packages/catalog/dist out/packages/catalog/ \
  && cp -R services/runtime/package.json services/runtime/dist out/services/runtime/ \
  && cp -R services/${SERVICE}/package.json services/${SERVICE}/dist out/services/${SERVICE}/ \
  && if [ -d services/${SERVICE}/migrations ]; then cp -R services/${SERVICE}/migrations out/services/${SERVICE}/; fi

# Production dependencies only: no compiler, test or lint packages.
FROM ${NODE_IMAGE} AS deps
ARG SERVICE
WORKDIR /app
COPY package.json package-lock.json ./
COPY packages/catalog/package.json packages/catalog/
COPY services/runtime/package.json services/runtime/
COPY services/${SERVICE}/package.json services/${SERVICE}/
RUN npm ci --omit=dev --ignore-scripts --workspace=services/${SERVICE} --no-audit --no-fund \
  && mkdir -p packages/catalog/node_modules services/runtime/node_modules services/${SERVICE}/node_modules

FROM ${NODE_IMAGE}
ARG SERVICE
ENV NODE_ENV=production
# The service needs node alone: npm, npx, corepack and yarn (and whatever their own dependencies
# bring) leave the image, and the build fails if any is still on the PATH.
RUN rm -rf /usr/local/lib/node_modules /opt/yarn-* \
  && rm -f /usr/local/bin/npm /usr/local/bin/npx /usr/local/bin/corepack /usr/local/bin/yarn /usr/local/bin/yarnpkg \
  && for tool in npm npx corepack yarn; do ! command -v "$tool" >/dev/null || { echo "$tool is still in the image" >&2; exit 1; }; done
WORKDIR /app
COPY --from=deps /app/node_modules node_modules/
COPY --from=deps /app/packages/catalog/node_modules packages/catalog/node_modules/
COPY --from=deps /app/services/runtime/node_modules services/runtime/node_modules/
COPY --from=deps /app/services/${SERVICE}/node_modules services/${SERVICE}/node_modules/
COPY --from=build /app/out/ ./
# ENTRYPOINT does not expand build arguments; WORKDIR does.
WORKDIR /app/services/${SERVICE}
# The image's own `node` user, by number so the kubelet can verify runAsNonRoot.
USER 1000:1000
# Exec form: node is PID 1 and receives SIGTERM itself (the runtime drains and shuts down).
ENTRYPOINT ["node", "dist/server.js"]
