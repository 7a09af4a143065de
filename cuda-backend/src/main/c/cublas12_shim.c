/*
 * A compatibility library with soname libcublas.so.12 for hosts that have only CUDA 13's libcublas.so.13.
 *
 * JCublas2 12.6.0's native library is linked against libcublas.so.12 and imports its entry points with the symbol
 * version libcublas.so.12. On a CUDA 13 host the backend loads this library by absolute path first (only when no
 * libcublas.so.12 can be found), so the dynamic linker knows the soname libcublas.so.12 and binds JCublas2 to it.
 *
 * Every entry point JCublas2 imports (cublas12_symbols.inc) is a two-instruction trampoline that jumps through a
 * pointer resolved once, when this library is loaded, with dlsym on libcublas.so.13: arguments are forwarded
 * untouched, whatever the signature. An entry point that libcublas.so.13 no longer has returns
 * CUBLAS_STATUS_NOT_SUPPORTED (the three that do not return a status return a harmless value instead). If
 * libcublas.so.13 itself cannot be loaded, every call, cublasCreate_v2 first, returns CUBLAS_STATUS_NOT_SUPPORTED,
 * and the dynamic loader's message (dlerror) is kept: the backend reads it back through the JNI function at the end
 * of this file as soon as it has loaded the library, and reports it instead of a later NOT_SUPPORTED.
 * It needs no CUDA headers or libraries to build, only a JDK's jni.h: cuda-backend/build-shim.sh compiles it with
 * gcc and the version script cublas12_shim.map. x86-64 Linux only.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <jni.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

/* Bind to the oldest x86-64 versions of the dl functions, so the library loads on any glibc >= 2.2.5
 * (from glibc 2.34 on they live in libc.so.6 and default to GLIBC_2.34). */
__asm__(".symver dlopen,dlopen@GLIBC_2.2.5");
__asm__(".symver dlsym,dlsym@GLIBC_2.2.5");
__asm__(".symver dlerror,dlerror@GLIBC_2.2.5");

#define CUBLAS_STATUS_NOT_SUPPORTED 15

static int shim_not_supported(void) {
    return CUBLAS_STATUS_NOT_SUPPORTED;
}

static const char *shim_status_text(int status) {
    (void) status;
    return "CUBLAS_STATUS_NOT_SUPPORTED (libcublas.so.12 compatibility library: entry point missing in "
           "libcublas.so.13)";
}

static size_t shim_cudart_version(void) {
    return 0;
}

/* One pointer per entry point, and the trampoline that jumps through it. */
#define SYM(name) __attribute__((used)) static void *shim_ptr_##name;
#include "cublas12_symbols.inc"
#undef SYM

#define SYM(name)                                                   \
    __asm__(".text\n"                                               \
            ".globl " #name "\n"                                    \
            ".type " #name ", @function\n"                          \
            ".p2align 4\n"                                          \
            #name ":\n"                                             \
            "\tjmp *shim_ptr_" #name "(%rip)\n"                     \
            ".size " #name ", . - " #name "\n");
#include "cublas12_symbols.inc"
#undef SYM

static const char *const shim_names[] = {
#define SYM(name) #name,
#include "cublas12_symbols.inc"
#undef SYM
};

static void **const shim_slots[] = {
#define SYM(name) &shim_ptr_##name,
#include "cublas12_symbols.inc"
#undef SYM
};

static void *fallback_for(const char *name) {
    if (strcmp(name, "cublasGetStatusName") == 0 || strcmp(name, "cublasGetStatusString") == 0) {
        return (void *) shim_status_text;
    }
    if (strcmp(name, "cublasGetCudartVersion") == 0) {
        return (void *) shim_cudart_version;
    }
    return (void *) shim_not_supported;
}

/* Why libcublas.so.13 could not be opened, in the dynamic loader's words; empty when it was. */
static char shim_error[1024];

__attribute__((constructor)) static void shim_resolve(void) {
    void *cublas13 = dlopen("libcublas.so.13", RTLD_NOW | RTLD_LOCAL);
    if (cublas13 == NULL) {
        const char *why = dlerror();
        snprintf(shim_error, sizeof shim_error, "%s", why != NULL ? why : "dlopen(\"libcublas.so.13\") failed");
    }
    size_t count = sizeof(shim_names) / sizeof(shim_names[0]);
    for (size_t i = 0; i < count; i++) {
        void *target = cublas13 == NULL ? NULL : dlsym(cublas13, shim_names[i]);
        *shim_slots[i] = target != NULL ? target : fallback_for(shim_names[i]);
    }
    /* cublas13 stays open for the life of the process: the pointers above point into it. */
}

/* io.logitnet.cuda.NativeLoader.shimLoadError(): the loader's message from above, or null. */
JNIEXPORT jstring JNICALL Java_io_logitnet_cuda_NativeLoader_shimLoadError(JNIEnv *env, jclass cls) {
    (void) cls;
    return shim_error[0] == '\0' ? NULL : (*env)->NewStringUTF(env, shim_error);
}
