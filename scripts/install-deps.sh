#!/usr/bin/env bash
# Install the Debian 12 packages medcrypt needs; does nothing when all are present.
# Usage: scripts/install-deps.sh [--samples]   (--samples adds the sample-data packages)
set -euo pipefail
pkgs=(build-essential cmake pkg-config clang libclang-rt-14-dev zlib1g-dev
      libsodium-dev libspng-dev libdcmtk-dev dcmtk libopenjp2-7-dev libnifti2-dev libniftiio-dev libcmocka-dev
      python3-numpy python3-pydicom python3-skimage python3-scipy python3-pil
      libopenblas-dev libomp-14-dev libcairo2-dev
      orthanc orthanc-dev libjansson-dev
      dicom3tools libopenjp2-tools  # dciodvfy, opj_decompress: independent checks of DICOM output
      strace age)                   # the CLI hygiene test; the tree benchmark's reference
if [ "${1:-}" = "--samples" ]; then
  pkgs+=(python3-pydicom insighttoolkit5-examples mricron-data)
fi
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "install-deps: installing ${missing[*]}" >&2
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
# Debian starts (and enables) the system Orthanc service when it installs the
# package; medcrypt's tests start their own servers, so a service this script
# brought in is stopped and disabled again.  An Orthanc installed before is
# left alone.
if [[ " ${missing[*]} " == *" orthanc "* ]] && [ -d /run/systemd/system ] && command -v systemctl >/dev/null; then
  $SUDO systemctl disable --now orthanc >/dev/null 2>&1 || true
  echo "install-deps: stopped and disabled the orthanc service Debian started (medcrypt's tests run their own)" >&2
fi
