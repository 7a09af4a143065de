package io.logitnet.cuda;

import io.logitnet.DeviceLostException;
import io.logitnet.NativeCallException;
import io.logitnet.backend.BackendGuard;
import jcuda.driver.CUresult;

/**
 * The one place CUDA driver status codes are checked. JCuda's own exceptions are switched off
 * ({@code JCudaDriver.setExceptionsEnabled(false)}), so every call site passes its status here with the call's name.
 * A sticky error (the context is corrupt: illegal address, launch failure, ...) throws {@link DeviceLostException};
 * any other error throws {@link NativeCallException}. Out of memory is handled by the allocator before it gets here.
 */
final class Cu {
    static final String API = "CUDA";

    private Cu() {
    }

    /** Throws if {@code status} is not CUDA_SUCCESS. */
    static void check(int status, String call) {
        if (status == CUresult.CUDA_SUCCESS) {
            return;
        }
        if (isSticky(status)) {
            throw new DeviceLostException(API, call, status, name(status));
        }
        throw new NativeCallException(API, call, status, name(status));
    }

    /**
     * Checks the status of a release call made by a handle's {@code close()}, which never throws: a failure is
     * reported the way every backend reports close-time failures ({@link BackendGuard#releaseFailed}).
     */
    static void released(int status, String call) {
        if (status != CUresult.CUDA_SUCCESS) {
            BackendGuard.releaseFailed(API, call, name(status) + " (" + status + ")");
        }
    }

    /** The CUresult constant's name, e.g. {@code CUDA_ERROR_OUT_OF_MEMORY}, or {@code CUDA_ERROR_<code>}. */
    static String name(int status) {
        String s = CUresult.stringFor(status);
        return s == null || s.startsWith("INVALID CUresult") ? "CUDA_ERROR_" + status : s;
    }

    /**
     * Errors after which the context cannot be used again: every later call in the process fails the same way
     * (CUDA driver API documentation, "sticky" errors).
     */
    static boolean isSticky(int status) {
        return switch (status) {
            case CUresult.CUDA_ERROR_ILLEGAL_ADDRESS,
                 CUresult.CUDA_ERROR_LAUNCH_FAILED,
                 CUresult.CUDA_ERROR_LAUNCH_TIMEOUT,
                 CUresult.CUDA_ERROR_HARDWARE_STACK_ERROR,
                 CUresult.CUDA_ERROR_ILLEGAL_INSTRUCTION,
                 CUresult.CUDA_ERROR_MISALIGNED_ADDRESS,
                 CUresult.CUDA_ERROR_INVALID_ADDRESS_SPACE,
                 CUresult.CUDA_ERROR_INVALID_PC,
                 CUresult.CUDA_ERROR_ASSERT,
                 CUresult.CUDA_ERROR_ECC_UNCORRECTABLE,
                 CUresult.CUDA_ERROR_CONTEXT_IS_DESTROYED -> true;
            default -> false;
        };
    }
}
