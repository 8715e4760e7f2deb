#!/bin/sh
# Installs Debian's chromium for tests/test_report_browser.py when it is missing.
# Called by `make test`; never fails the build: without a browser those tests skip and say why.
set -u
for name in chromium chromium-browser google-chrome; do
    command -v "$name" >/dev/null 2>&1 && exit 0
done
if ! command -v apt-get >/dev/null 2>&1; then
    echo "install_chromium: no apt-get here; the browser tests will be skipped" >&2
    exit 0
fi
SUDO=""
if [ "$(id -u)" != 0 ]; then
    if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
        SUDO="sudo -n"
    else
        echo "install_chromium: not root and no passwordless sudo; the browser tests will be skipped" >&2
        exit 0
    fi
fi
echo "install_chromium: installing Debian's chromium (once) for the browser tests" >&2
if $SUDO apt-get update -qq >/dev/null 2>&1 &&
   DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends chromium >/dev/null 2>&1; then
    exit 0
fi
echo "install_chromium: apt-get could not install chromium; the browser tests will be skipped" >&2
exit 0
