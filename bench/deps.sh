#!/bin/sh
# bench/deps.sh: what `make bench` needs beyond tools/deps.sh, installed only
# if missing: python3-matplotlib for the chart of the ratios. (Debian's
# Linux kernel is not installed at all: bench/run_bench.py downloads the
# package into the build directory and takes vmlinuz out of it.) Kept out of
# tools/deps.sh because `make test` needs none of it.
set -eu
packages="python3-matplotlib"
missing=""
for p in $packages; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
        missing="$missing $p"
    fi
done
[ -z "$missing" ] && exit 0
echo "bench/deps.sh: installing:$missing"
if [ "$(id -u)" -eq 0 ]; then sudo=""; else sudo="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -q
$sudo apt-get install -y -q --no-install-recommends $missing
