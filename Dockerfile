# One image for every Deltastream service; the service is chosen at run time by SERVICE (or the
# container command). One image keeps the five services on exactly the same build of the shared libs,
# and registries store the common layers once.
#
#   docker build -t deltastream .
#   docker run -e SERVICE=ingestor -e KAFKA_BROKERS=kafka:9092 deltastream
#
FROM node:24-slim AS build
WORKDIR /app
COPY package.json package-lock.json .npmrc ./
COPY patches ./patches
# Install scripts are skipped: the image already has Node 24, and swc/buf ship their binaries as optional deps.
# Our patches (patches/, e.g. the kafkajs read_committed fix) are applied explicitly instead.
RUN npm ci --no-audit --no-fund --ignore-scripts && npx patch-package
COPY . .
RUN npx buf generate && node tools/build.mjs && npm prune --omit=dev --ignore-scripts

FROM node:24-slim AS runtime
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY --from=build /app/package.json ./package.json
COPY config ./config
RUN groupadd --system --gid 10001 deltastream && useradd --system --uid 10001 --gid deltastream deltastream
USER 10001:10001
ENV SERVICE=delivery-edge HTTP_HOST=0.0.0.0
EXPOSE 8080 8081 8082 8083 8084 8090 50051
# kafkajs 2.2.4 on Node 24 warns about a negative timer on every connection (tulios/kafkajs#1751); harmless.
ENTRYPOINT ["/bin/sh", "-c", "exec node --disable-warning=TimeoutNegativeWarning dist/apps/${SERVICE}/src/main.js \"$@\"", "--"]
