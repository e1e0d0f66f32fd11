# One image for every tat-bulk process; the command picks the app:
#   docker run tat-bulk apps/worker/dist/main.js   (the default: the intake, with the Node flags
#   its package.json lists; apps/tat-sim/...). The intake serves the console from apps/console/dist.
FROM node:24-bookworm-slim AS build
WORKDIR /app
COPY . .
RUN npm ci --ignore-scripts --no-audit --no-fund \
  && npx turbo run build --filter=@tat-bulk/intake --filter=@tat-bulk/worker --filter=@tat-bulk/tat-sim --filter=@tat-bulk/console \
  && npm prune --omit=dev --ignore-scripts \
  && rm -rf apps/*/src apps/*/test packages/*/src packages/*/test tests bench

FROM node:24-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build /app/package.json ./package.json
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/packages ./packages
COPY --from=build /app/apps ./apps
USER node
# Every app answers /healthz on its PORT (intake 8080, worker 9464, simulator 4600).
HEALTHCHECK --interval=10s --timeout=3s --start-period=10s --retries=3 \
  CMD node -e "fetch('http://127.0.0.1:'+(process.env.PORT||8080)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
ENTRYPOINT ["node"]
CMD ["--max-semi-space-size=64","apps/intake/dist/main.js"]
