package io.logitnet.cuda;

import io.logitnet.NativeCallException;
import jcuda.jcublas.cublasStatus;

/**
 * The one place cuBLAS status codes are checked (JCublas2's exceptions are switched off). cuBLAS reports a sticky
 * device error as CUBLAS_STATUS_EXECUTION_FAILED or INTERNAL_ERROR; the next driver call on the stream then throws
 * the driver's sticky error through {@link Cu}, which names it precisely.
 */
final class Cublas {
    static final String API = "cuBLAS";

    private Cublas() {
    }

    static void check(int status, String call) {
        if (status != cublasStatus.CUBLAS_STATUS_SUCCESS) {
            throw new NativeCallException(API, call, status, name(status));
        }
    }

    /** The cublasStatus constant's name, e.g. {@code CUBLAS_STATUS_NOT_SUPPORTED}. */
    static String name(int status) {
        String s = cublasStatus.stringFor(status);
        return s == null || s.startsWith("INVALID cublasStatus") ? "CUBLAS_STATUS_" + status : s;
    }
}
