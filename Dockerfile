# A container image of liaison: one static binary (CGO_ENABLED=0; the
# SQLite driver is pure Go, time zones are embedded with time/tzdata) on
# distroless's static base, which adds CA certificates and a non-root user,
# and nothing else: no shell, no package manager.
#
#   docker build -t liaison .
#   docker run --rm -p 8080:8080 -v /etc/liaison/keys:/keys:ro \
#     liaison serve --db 'postgres://liaison@db.internal/liaison' --addr 0.0.0.0:8080 --keys /keys
#
# See docs/operations.md, "Several servers on one PostgreSQL".

FROM golang:1.26 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -trimpath -ldflags='-s -w' -o /out/liaison ./cmd/liaison \
 && /out/liaison packs lint \
 && mkdir -p /out/data

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/liaison /usr/local/bin/liaison
# For SQLite: a volume mounted here starts owned by the non-root user.
COPY --from=build --chown=65532:65532 /out/data /data
VOLUME /data
USER nonroot:nonroot
EXPOSE 8080
# serve shuts down in order on SIGTERM (docker stop): give it its drain
# timeout, e.g. docker stop -t 45.
STOPSIGNAL SIGTERM
ENTRYPOINT ["/usr/local/bin/liaison"]
CMD ["serve", "--addr", "0.0.0.0:8080", "--keys", "/keys", "--db", "sqlite:/data/liaison.db"]
