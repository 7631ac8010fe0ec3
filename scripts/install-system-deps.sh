#!/usr/bin/env bash
# System packages the tests use, from Debian: Chromium for the browser tests (Playwright drives it;
# it never downloads a browser of its own), and PyTorch + numpy for Debian's python3, which the
# round-trip tests and the benchmark compare against. Safe to run again.
set -euo pipefail
pkgs=(chromium python3-torch python3-numpy fonts-dejavu-core)
missing=()
for p in "${pkgs[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
if [ ${#missing[@]} -eq 0 ]; then echo "system packages: all present"; exit 0; fi
SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
echo "installing: ${missing[*]}"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
