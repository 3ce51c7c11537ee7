/* dicom.c - fuzz target: the DICOM reader (DCMTK) from memory (mc_image_read_mem; the
 * format sniffed, else taken from the name "x.dcm"), then a write and a read
 * back that must give the same image (fuzz.h). */
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    return fuzz_read_image(data, size, "x.dcm");
}
