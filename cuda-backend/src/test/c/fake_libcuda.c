/*
 * A stand-in for the NVIDIA driver's libcuda.so.1 with one pretend device, for testing on machines without a GPU
 * that the backend finds the driver by path, loads JCuda's natives against it, and reads the device's properties
 * (CudaBackendProviderFakeDriverTest). It implements only the calls the probe makes; anything else is unresolved and
 * is never called. Built by the test with gcc when gcc is present.
 */
#include <stddef.h>
#include <stdio.h>

int cuDriverGetVersion(int *version) {
    *version = 12040;
    return 0;
}

int cuInit(unsigned int flags) {
    (void) flags;
    return 0;
}

int cuDeviceGetCount(int *count) {
    *count = 1;
    return 0;
}

int cuDeviceGet(int *device, int ordinal) {
    *device = ordinal;
    return ordinal == 0 ? 0 : 101; /* CUDA_ERROR_INVALID_DEVICE */
}

int cuDeviceGetName(char *name, int len, int device) {
    snprintf(name, (size_t) len, "Fake GPU %d", device);
    return 0;
}

int cuDeviceTotalMem_v2(size_t *bytes, int device) {
    (void) device;
    *bytes = (size_t) 8 << 30;
    return 0;
}

int cuDeviceGetAttribute(int *value, int attribute, int device) {
    (void) device;
    switch (attribute) {
        case 16: *value = 46; return 0; /* MULTIPROCESSOR_COUNT */
        case 75: *value = 8; return 0;  /* COMPUTE_CAPABILITY_MAJOR */
        case 76: *value = 6; return 0;  /* COMPUTE_CAPABILITY_MINOR */
        default: *value = 0; return 1;  /* CUDA_ERROR_INVALID_VALUE */
    }
}
