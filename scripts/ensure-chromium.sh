#!/usr/bin/env bash
# Browser tests use Debian's chromium package (never a browser downloaded by a test tool).
set -euo pipefail
if command -v chromium >/dev/null 2>&1; then
  exit 0
fi
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "Installing Debian's chromium for the browser tests …"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-dejavu-core >/dev/null
  exit 0
fi
echo "chromium is not installed: browser tests will be skipped (sudo apt-get install chromium)." >&2
if [ -n "${REQUIRE_BROWSER:-}" ]; then
  exit 1
fi
