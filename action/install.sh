#!/usr/bin/env bash
# Installs a released railconn for the GitHub Actions runner: picks the
# archive for the runner's OS, architecture and libc, downloads it, checks
# its SHA-256 against the checksums pinned in this action (action/SHA256SUMS)
# and puts the binary on PATH. Called by action.yml; scripts/test-packages
# runs it against a fake release served on loopback.
#
# Environment:
#   RAILCONN_VERSION       release to install, e.g. 0.1.0 (required)
#   RAILCONN_REPOSITORY    owner/name whose GitHub release has the archives
#   RAILCONN_CHECKSUMS     pinned checksums (SHA256SUMS format)
#   RAILCONN_DOWNLOAD_URL  where the release's files are (default: the
#                          repository's GitHub release of that version);
#                          https, or http only on a loopback address
#   RUNNER_OS, RUNNER_ARCH, RUNNER_TEMP, GITHUB_PATH, GITHUB_OUTPUT: set by
#                          the runner
set -euo pipefail

fail() {
    echo "::error title=railconn install::$*" >&2
    exit 1
}

version=${RAILCONN_VERSION:?RAILCONN_VERSION is not set}
checksums=${RAILCONN_CHECKSUMS:?RAILCONN_CHECKSUMS is not set}
base=${RAILCONN_DOWNLOAD_URL:-https://github.com/${RAILCONN_REPOSITORY:?RAILCONN_REPOSITORY is not set}/releases/download/v$version}
temp=${RUNNER_TEMP:-${TMPDIR:-/tmp}}

case "$base" in
    https://*) ;;
    http://127.0.0.1[:/]* | http://localhost[:/]* | http://\[::1\][:/]*) ;;
    *) fail "refusing to download from $base: only https (or http on loopback) is allowed" ;;
esac

os=${RUNNER_OS:-$(uname -s)}
arch=${RUNNER_ARCH:-$(uname -m)}
libc=gnu
# A job in an Alpine container has musl: take the static build.
if [ "$os" = Linux ] && ldd --version 2>&1 | grep -qi musl; then
    libc=musl
fi
case "$os/$arch" in
    Linux/X64 | Linux/x86_64) target=x86_64-unknown-linux-$libc ;;
    Linux/ARM64 | Linux/aarch64) target=aarch64-unknown-linux-$libc ;;
    macOS/X64 | Darwin/x86_64) target=x86_64-apple-darwin ;;
    macOS/ARM64 | Darwin/arm64) target=aarch64-apple-darwin ;;
    *) fail "railconn has no release build for $os $arch (Linux and macOS on x86_64 and arm64 have one); install it with pip or cargo instead" ;;
esac

archive=railconn-$version-$target.tar.gz
[ -r "$checksums" ] || fail "cannot read the pinned checksums $checksums"
expected=$(awk -v name="$archive" '$2 == name || $2 == "*" name { print $1; exit }' "$checksums")
[ -n "$expected" ] || fail "no checksum for $archive is pinned in this version of the action: use the action's tag of the release you want (e.g. @v1) rather than setting 'version'"

dir=$temp/railconn-$version-$target
binary=$dir/railconn
if [ -x "$binary" ] && [ "$(cat "$dir/.sha256" 2>/dev/null)" = "$expected" ]; then
    echo "railconn $version already installed at $binary"
else
    download=$(mktemp "$temp/railconn-download.XXXXXX")
    trap 'rm -f "$download"' EXIT
    echo "Downloading $base/$archive"
    curl --fail --silent --show-error --location --retry 3 --connect-timeout 20 --max-time 300 \
        --proto '=https,http' --proto-redir '=https' \
        --output "$download" "$base/$archive" || fail "could not download $base/$archive"
    if command -v sha256sum >/dev/null 2>&1; then
        actual=$(sha256sum "$download" | cut -d' ' -f1)
    else
        actual=$(shasum -a 256 "$download" | cut -d' ' -f1)
    fi
    if [ "$actual" != "$expected" ]; then
        fail "checksum mismatch for $archive: expected $expected (pinned in the action), got $actual; the download was deleted and nothing was installed"
    fi
    rm -rf "$dir"
    mkdir -p "$dir"
    tar -xzf "$download" -C "$dir" --strip-components=1 "railconn-$version-$target/railconn"
    echo "$expected" >"$dir/.sha256"
fi

"$binary" --version
if [ -n "${GITHUB_PATH:-}" ]; then
    echo "$dir" >>"$GITHUB_PATH"
fi
if [ -n "${GITHUB_OUTPUT:-}" ]; then
    echo "path=$binary" >>"$GITHUB_OUTPUT"
fi
