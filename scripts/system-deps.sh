#!/usr/bin/env bash
# Install the Debian packages eingang needs, only those missing (idempotent).
# Usage: scripts/system-deps.sh run|test
set -euo pipefail
profile=${1:-run}

# What `make run` needs: OCR with the German model.
# Paper replies: WeasyPrint lays out the DIN 5008 letter with Pango, in a font it can embed.
packages=(tesseract-ocr tesseract-ocr-deu tesseract-ocr-eng tesseract-ocr-osd
          libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core)
if [ "$profile" = test ]; then
  # What the tests add: a real IMAP server and a real browser.
  # npm: axe-core for the accessibility checks in the browser tests.
  packages+=(dovecot-imapd chromium fonts-dejavu-core)  # the font: letters the OCR tests render
  # Debian's npm conflicts with a Node.js that brings its own npm: only where none is there.
  command -v npm >/dev/null || packages+=(npm)
fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null; then SUDO=sudo; else
    echo "Missing Debian packages: ${missing[*]} (run as root or install them)" >&2; exit 1
  fi
else SUDO=""; fi
echo "Installing Debian packages: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
# Another apt-get may hold the lock (parallel set-up): wait for it rather than fail.
$SUDO apt-get -o DPkg::Lock::Timeout=600 update -qq
$SUDO apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
