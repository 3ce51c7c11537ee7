#!/usr/bin/env bash
# Copy the public sample images that Debian packages ship into a git-ignored cache.
#   .cache/samples/dicom/  pydicom's test DICOMs (python3-pydicom)
#   .cache/samples/itk/    ITK's example brain slices (insighttoolkit5-examples)
#   .cache/samples/nifti/  mricron's MNI brain volumes (mricron-data)
# Usage: scripts/fetch-samples.sh [DEST]   (default .cache/samples)
# No patient data: every file comes from a Debian package's test or example data.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
dest=${1:-$here/.cache/samples}
"$here/scripts/install-deps.sh" --samples
mkdir -p "$dest/dicom" "$dest/itk" "$dest/nifti"

pyd=$(/usr/bin/python3 -c 'import os, pydicom.data as d; print(os.path.join(os.path.dirname(d.__file__), "test_files"))')
n=0
for f in "$pyd"/*.dcm; do cp -u "$f" "$dest/dicom/"; n=$((n+1)); done

itk=/usr/share/doc/insighttoolkit5-examples/examples/Data
for f in BrainProtonDensitySlice.png BrainProtonDensitySlice256x256.png BrainMidSagittalSlice.png \
         BrainT1Slice.png BrainProtonDensitySliceBorder20.png; do
  if [ -f "$itk/$f" ]; then cp -u "$itk/$f" "$dest/itk/"; n=$((n+1));
  elif [ -f "$itk/$f.gz" ]; then gunzip -c "$itk/$f.gz" > "$dest/itk/$f"; n=$((n+1)); fi
done

mri=/usr/share/mricron/templates
for f in ch2.nii.gz ch2bet.nii.gz aal.nii.gz; do
  [ -f "$mri/$f" ] && { cp -u "$mri/$f" "$dest/nifti/"; n=$((n+1)); }
done
echo "fetch-samples: $n files in $dest" >&2
