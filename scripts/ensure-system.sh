#!/usr/bin/env bash
# Debian packages the tests need: util-linux (flock, mount) for lock and full-disk tests, time for
# peak-RSS measurements, chromium and code-server's build deps for the tests inside a real VS Code.
# Idempotent and quick when everything is there; says what to install when it cannot do it itself.
set -u
need=(util-linux time chromium libkrb5-dev pkg-config ripgrep)
command -v dpkg >/dev/null 2>&1 || { echo "ensure-system: not a Debian-like system; install: ${need[*]}" >&2; exit 0; }
missing=()
for p in "${need[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "ensure-system: please install: ${missing[*]} (sudo apt-get install ${missing[*]})" >&2
  exit 0
fi
echo "ensure-system: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq && apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
