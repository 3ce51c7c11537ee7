/* nifti.c - fuzz target: the NIfTI-1 reader (.nii, .nii.gz) from memory (mc_image_read_mem; the
 * format sniffed, else taken from the name "x.nii"), then a write and a read
 * back that must give the same image (fuzz.h). */
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    return fuzz_read_image(data, size, "x.nii");
}
