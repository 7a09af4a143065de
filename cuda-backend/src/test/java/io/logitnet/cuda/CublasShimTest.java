package io.logitnet.cuda;

import io.logitnet.BackendUnavailableException;
import jcuda.jcublas.JCublas2;
import jcuda.jcublas.cublasHandle;
import jcuda.jcublas.cublasStatus;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.Locale;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The libcublas.so.12 compatibility library, loaded exactly as the backend loads it on a CUDA 13 host (through
 * {@link NativeLoader#loadShim}, which loads libcublas.so.13 first), binds JCublas2's native library (linked against
 * libcublas.so.12 with that symbol version) and forwards its calls. Runs wherever no real libcublas.so.12 is
 * installed (the shim is never loaded next to a real one). Where no libcublas.so.13 can be found either, loading it
 * must fail with the dynamic loader's own message, not a CUBLAS_STATUS_NOT_SUPPORTED later.
 */
class CublasShimTest {
    @Test
    void jcublas2BindsToTheShimOrTheLoaderSaysWhyNot() throws Exception {
        LibraryLocator libs = LibraryLocator.system();
        Assumptions.assumeTrue(libs.find(Prerequisites.CUBLAS_12).isEmpty(),
                "a real libcublas.so.12 is installed here; the shim is only ever loaded where it is not");
        Assumptions.assumeTrue(System.getProperty("os.name", "").toLowerCase(Locale.ROOT).contains("linux")
                && System.getProperty("os.arch", "").matches("amd64|x86_64"), "the shim is built for Linux x86-64");
        Optional<Path> cublas13 = libs.find(Prerequisites.CUBLAS_13);
        if (cublas13.isEmpty()) {
            BackendUnavailableException e = assertThrows(BackendUnavailableException.class,
                    () -> NativeLoader.loadShim(null));
            assertTrue(e.reason().contains("could not load libcublas.so.13: libcublas.so.13: cannot open shared "
                    + "object file"), e.reason());
            // asked again, the same answer: the library cannot be reloaded in this process
            assertThrows(BackendUnavailableException.class, () -> NativeLoader.loadShim(null));
            return;
        }
        Path shim = NativeLoader.loadShim(cublas13.get());
        assertEquals("libcublas.so.12", shim.getFileName().toString(), shim.toString());
        JCublas2.setExceptionsEnabled(false); // loads libJCublas2, which needs libcublas.so.12: the shim
        cublasHandle handle = new cublasHandle();
        int status = JCublas2.cublasCreate(handle);
        if (status == cublasStatus.CUBLAS_STATUS_SUCCESS) {
            JCublas2.cublasDestroy(handle);
        }
        assertTrue(status == cublasStatus.CUBLAS_STATUS_SUCCESS || status == cublasStatus.CUBLAS_STATUS_NOT_INITIALIZED,
                "cublasCreate through the shim returned " + Cublas.name(status));
    }
}
