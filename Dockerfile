# syntax=docker/dockerfile:1
# The inference service image: TypeScript built in one stage, runtime dependencies only in the
# next. Debian slim, not Alpine: onnxruntime's binaries need glibc 2.28 or later.
ARG NODE_IMAGE=docker.io/library/node:24-bookworm-slim

FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json .npmrc ./
# Scripts are skipped: nothing the compiler needs runs one, and onnxruntime's would download.
RUN --mount=type=cache,target=/root/.npm npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY service/src service/src
COPY service/build service/build
COPY models/training models/training
COPY models/*.onnx models/*.json models/
# Compiles, bundles into dist/bundle/ and writes its V8 code cache by starting the service once:
# this stage's Node is the runtime's, so the cache is taken there (service/build/bundle.ts).
RUN npm run build

FROM ${NODE_IMAGE} AS runtime
# The malloc settings and node flags are service/src/process-settings.ts's (a test compares them).
ENV NODE_ENV=production \
    PORT=8080 \
    PGLITE_DIR=/tmp/pglite \
    MALLOC_MMAP_THRESHOLD_=32768 \
    MALLOC_ARENA_MAX=2
WORKDIR /app
COPY package.json package-lock.json .npmrc ./
# onnxruntime-node ships binaries for every platform (288 MB); the binding loads the library
# beside itself, so only linux/x64 is kept. Also out: protobufjs's CLI (its own 20 MB of
# packages), type declarations, source maps and docs, and npm itself (the image runs node).
RUN --mount=type=cache,target=/root/.npm npm ci --omit=dev --ignore-scripts --no-audit --no-fund \
 && find node_modules/onnxruntime-node/bin -mindepth 2 -maxdepth 2 ! -name linux -exec rm -rf {} + \
 && find node_modules/onnxruntime-node/bin -path '*/linux/*' -mindepth 3 -maxdepth 3 ! -name x64 -exec rm -rf {} + \
 && rm -rf node_modules/protobufjs/cli \
 && find node_modules \( -name '*.d.ts' -o -name '*.d.mts' -o -name '*.d.cts' -o -name '*.map' -o -name '*.md' \) -type f -delete \
 && rm -rf /usr/local/lib/node_modules/npm /usr/local/bin/npm /usr/local/bin/npx /opt/yarn-* /usr/local/bin/yarn /usr/local/bin/yarnpkg /tmp/*
COPY --from=build /app/dist/bundle ./dist/bundle
COPY service/migrations service/migrations
COPY models/*.onnx models/*.json models/
USER node
EXPOSE 8080
# Node itself is PID 1's command, so SIGTERM reaches the server's drain (no npm wrapper).
CMD ["node", "--expose-gc", "--max-semi-space-size=1", "--single-threaded-gc", "dist/bundle/server.js"]
