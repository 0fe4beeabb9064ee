#!/usr/bin/env sh
# Fetch Set Protocol v2 Hardhat artifacts (0.1.16) into build/set-protocol-v2/ for the gas benchmark.
# Idempotent: does nothing when the package is already unpacked. `npm pack` avoids installing Set's
# peer dependencies (one is a git dependency that fails offline-ish installs).
set -eu
SET_VERSION="0.1.16"
DEST="build/set-protocol-v2"
if [ -f "$DEST/package.json" ]; then
    echo "fetch_set: $DEST already present, skipping"
    exit 0
fi
mkdir -p "$DEST"
TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT
TARBALL="$(npm pack "@setprotocol/set-protocol-v2@$SET_VERSION" --pack-destination "$TMP" --silent | tail -n 1)"
tar -xzf "$TMP/$TARBALL" -C "$DEST" --strip-components=1
echo "fetch_set: unpacked set-protocol-v2@$SET_VERSION into $DEST"
