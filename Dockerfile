# syntax=docker/dockerfile:1
# One image for every Deltastream service; the service is chosen at run time by SERVICE (or the Helm chart /
# compose file). Why one image: the five services and demo-source share every library, so one image keeps
# them on exactly the same build of the shared code (no version skew between stages), is built and scanned
# once, and a node pulls its layers once for all services. Per-service images would each carry the same
# node_modules anyway (Nest, kafkajs, OpenTelemetry are common to all), saving almost nothing.
#
#   docker build -t deltastream .
#   docker run --rm -e SERVICE=ingestor -e KAFKA_BROKERS=kafka:9092 deltastream
#   docker run --rm -e SERVICE=delivery-edge -e KAFKA_BROKERS=kafka:9092 deltastream ensure-topics
#
# SERVICE: ingestor | windower | enricher | compressor | delivery-edge | demo-source

ARG NODE_IMAGE=node:24-slim

# Production dependencies only, from the lock file, with patches/ applied (patch-package, a dependency: the kafkajs fix
# for aborted transactions — without it read_committed consumers could see aborted records). Its own stage
# so the layer changes only when the lock or a patch does, not on every source change. Install scripts are
# skipped: the image has Node 24 already (the `node` devDependency needs none), and the native packages
# (lz4-napi, snappy) ship prebuilt binaries as optional dependencies for linux-x64/arm64 glibc (node:24-slim).
FROM ${NODE_IMAGE} AS prod-deps
WORKDIR /app
COPY package.json package-lock.json .npmrc ./
COPY patches ./patches
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund \
  && npx --no-install patch-package --error-on-fail \
  && npm cache clean --force

# Everything (dev dependencies too) to generate the Protobuf code and compile with swc.
FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json .npmrc ./
RUN npm ci --ignore-scripts --no-audit --no-fund \
  # Without its install script the `node` devDependency has no binary: let PATH find the image's Node 24.
  && rm -f node_modules/.bin/node
COPY buf.yaml buf.gen.yaml tsconfig.base.json tsconfig.json ./
COPY proto ./proto
COPY tools/build.mjs tools/swc-config.cjs ./tools/
COPY libs ./libs
COPY apps ./apps
RUN npx buf generate \
  && node tools/build.mjs \
  # Test helpers are compiled with the rest; they are no part of a service.
  && rm -rf dist/apps/*/test dist/libs/testing

FROM ${NODE_IMAGE} AS runtime
ARG VERSION=0.1.0
LABEL org.opencontainers.image.title="deltastream" \
      org.opencontainers.image.description="Deltastream services (ingestor, windower, enricher, compressor, delivery-edge, demo-source)" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.licenses="Apache-2.0"
ENV NODE_ENV=production
WORKDIR /app
# A fixed numeric user, so Kubernetes' runAsNonRoot can verify it (the chart runs as 10001:10001 too).
RUN groupadd --system --gid 10001 deltastream \
  && useradd --system --uid 10001 --gid deltastream --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin deltastream
# Owned by root and read-only for the service user: the code cannot be changed at run time.
COPY --from=prod-deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
COPY config ./config
USER 10001:10001
# The default suite file is the demo's; deployments mount their own and point DELTASTREAM_CONFIG at it.
ENV HTTP_HOST=0.0.0.0 DELTASTREAM_CONFIG=/app/config/deltastream.yaml
EXPOSE 8080 8081 8082 8083 8084 8090 50051
# exec: Node is PID 1 and gets SIGTERM itself (runService closes consumers and exits within
# SHUTDOWN_TIMEOUT_MS). Arguments are passed on, e.g. `ensure-topics`. kafkajs 2.2.4 on Node 24 warns about
# a negative timer on every connection (tulios/kafkajs#1751); harmless, so silenced.
ENTRYPOINT ["/bin/sh", "-c", "case \"$SERVICE\" in ingestor|windower|enricher|compressor|delivery-edge|demo-source) ;; *) echo \"deltastream image: set SERVICE to one of ingestor, windower, enricher, compressor, delivery-edge, demo-source (got '${SERVICE}')\" >&2; exit 64;; esac; exec node --disable-warning=TimeoutNegativeWarning \"dist/apps/$SERVICE/src/main.js\" \"$@\"", "--"]
