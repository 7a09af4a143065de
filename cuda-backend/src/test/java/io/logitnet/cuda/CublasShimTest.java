package io.logitnet.cuda;

import jcuda.jcublas.JCublas2;
import jcuda.jcublas.cublasHandle;
import jcuda.jcublas.cublasStatus;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.Locale;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The libcublas.so.12 compatibility library, loaded exactly as the backend loads it on a CUDA 13 host, binds
 * JCublas2's native library (linked against libcublas.so.12 with that symbol version) and forwards its calls. Runs
 * wherever no real libcublas.so.12 is installed (the shim is never loaded next to a real one); with no
 * libcublas.so.13 either, every call must come back as CUBLAS_STATUS_NOT_SUPPORTED rather than crash.
 */
class CublasShimTest {
    @Test
    void jcublas2BindsToTheShim() throws Exception {
        LibraryLocator libs = LibraryLocator.system();
        Assumptions.assumeTrue(libs.find(Prerequisites.CUBLAS_12).isEmpty(),
                "a real libcublas.so.12 is installed here; the shim is only ever loaded where it is not");
        Assumptions.assumeTrue(System.getProperty("os.name", "").toLowerCase(Locale.ROOT).contains("linux")
                && System.getProperty("os.arch", "").matches("amd64|x86_64"), "the shim is built for Linux x86-64");
        Path shim = NativeLoader.loadShim();
        assertTrue(shim.getFileName().toString().equals("libcublas.so.12"), shim.toString());
        JCublas2.setExceptionsEnabled(false); // loads libJCublas2, which needs libcublas.so.12: the shim
        cublasHandle handle = new cublasHandle();
        int status = JCublas2.cublasCreate(handle);
        if (status == cublasStatus.CUBLAS_STATUS_SUCCESS) {
            JCublas2.cublasDestroy(handle);
        }
        if (libs.find(Prerequisites.CUBLAS_13).isEmpty()) {
            assertEquals(cublasStatus.CUBLAS_STATUS_NOT_SUPPORTED, status,
                    "without libcublas.so.13 the shim answers NOT_SUPPORTED: " + Cublas.name(status));
        } else {
            assertTrue(status == cublasStatus.CUBLAS_STATUS_SUCCESS || status == cublasStatus.CUBLAS_STATUS_NOT_INITIALIZED,
                    "cublasCreate through the shim returned " + Cublas.name(status));
        }
    }
}
