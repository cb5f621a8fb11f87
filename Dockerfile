# syntax=docker/dockerfile:1
#
# A small image whose entrypoint is railconn:
#
#   docker build -t railconn .
#   docker run --rm --env-file .env railconn check
#
# and the one-line way to add the binary to any glibc-based app image
# (Debian 11+, Ubuntu 20.04+, RHEL 8+, the python:* and node:* images that are
# not -alpine):
#
#   COPY --from=ghcr.io/railconn/railconn:latest /usr/local/bin/railconn /usr/local/bin/
#
# The binary is built the way the release builds it (scripts/dist): with zig,
# against glibc 2.28, on the build machine's platform and cross-compiled for
# the image's, so linux/arm64 needs no emulation. It runs on
# gcr.io/distroless/cc-debian12 (Debian 12: glibc 2.36, libgcc, CA
# certificates), as the distroless nonroot user.
#
# Checked on the x86_64 binary scripts/dist built on Debian 12 with zig
# 0.17 (maturin 1.16): `objdump -T railconn` lists no symbol version above
# GLIBC_2.28, and `objdump -p` needs only libc, libm, libpthread, libdl and
# ld-linux-x86-64 (all in glibc, no libssl: TLS is rustls with aws-lc,
# linked in). A plain cargo build on Debian 12 needs GLIBC_2.34 instead.

FROM --platform=$BUILDPLATFORM rust:1-bookworm AS build
ARG TARGETARCH
RUN apt-get update \
    && apt-get install -y --no-install-recommends python3-venv binutils \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
RUN case "$TARGETARCH" in \
        amd64) target=x86_64-unknown-linux-gnu ;; \
        arm64) target=aarch64-unknown-linux-gnu ;; \
        *) echo "no railconn build for $TARGETARCH" >&2; exit 1 ;; \
    esac \
    && scripts/dist --target "$target" --archive-only --out /dist \
    && tar -xzf /dist/railconn-*-"$target".tar.gz -C /dist --strip-components=1 --wildcards '*/railconn'

FROM gcr.io/distroless/cc-debian12:nonroot
COPY --from=build /dist/railconn /usr/local/bin/railconn
ENTRYPOINT ["/usr/local/bin/railconn"]
CMD ["check"]
