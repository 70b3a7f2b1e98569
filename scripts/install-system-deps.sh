#!/usr/bin/env bash
# System packages the tests need that a fresh machine may lack: Java 17 for Spark, Chromium for
# the browser tests, Node.js/npm for front-end packages. Idempotent; needs root for apt.
set -euo pipefail
need=()
command -v java >/dev/null 2>&1 || need+=(openjdk-17-jre-headless)
command -v chromium >/dev/null 2>&1 || need+=(chromium)
command -v npm >/dev/null 2>&1 || need+=(nodejs npm)
command -v pg_isready >/dev/null 2>&1 || need+=(postgresql-client)
# Pango for WeasyPrint (the meeting pack's PDF); poppler-utils (pdftotext, pdftoppm) to read packs back in tests
ldconfig -p 2>/dev/null | grep -q libpangoft2-1.0 || need+=(libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0)
command -v pdftotext >/dev/null 2>&1 || need+=(poppler-utils)
# fonts so that screenshots and PNG charts render text
[ -e /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] || need+=(fonts-dejavu-core)
if [ ${#need[@]} -gt 0 ]; then
  echo "installing: ${need[*]}"
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
