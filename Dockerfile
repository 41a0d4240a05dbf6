# Build: a static binary, with the time zone database embedded.
FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
# The copy has no .git, so `calfeed version` knows only what these say:
#   docker build --build-arg VERSION="$(git describe --tags --always --dirty)" \
#     --build-arg REVISION="$(git rev-parse HEAD)" -t calfeed .
ARG VERSION=""
ARG REVISION=""
RUN CGO_ENABLED=0 go build -trimpath \
    -ldflags="-s -w -X main.stampedVersion=${VERSION} -X main.stampedRevision=${REVISION}" \
    -o /calfeed ./cmd/calfeed

# Run: no shell, no libc, non-root. Mount your own directory (events.yaml and
# events.yaml.lock) over /data: a directory, so that edits are seen and reloaded.
FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /calfeed /calfeed
COPY events.yaml events.yaml.lock /data/
ENV CALFEED_CONFIG=/data/events.yaml PORT=8080
EXPOSE 8080
USER nonroot:nonroot
# No shell in the image: the binary checks itself (GET /healthz on $PORT).
HEALTHCHECK --interval=30s --timeout=5s --start-period=5s --retries=3 CMD ["/calfeed", "healthcheck"]
ENTRYPOINT ["/calfeed"]
CMD ["serve"]
