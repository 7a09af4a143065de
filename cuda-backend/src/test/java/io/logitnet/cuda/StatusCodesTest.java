package io.logitnet.cuda;

import io.logitnet.DeviceLostException;
import io.logitnet.NativeCallException;
import jcuda.driver.CUresult;
import jcuda.jcublas.cublasStatus;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Status-code naming and the error types; pure Java (JCuda's constant classes load no natives). */
class StatusCodesTest {
    @Test
    void cudaStatusNames() {
        assertEquals("CUDA_ERROR_OUT_OF_MEMORY", Cu.name(CUresult.CUDA_ERROR_OUT_OF_MEMORY));
        assertEquals("CUDA_ERROR_ILLEGAL_ADDRESS", Cu.name(700));
        assertEquals("CUDA_ERROR_NO_DEVICE", Cu.name(100));
        assertEquals("CUDA_ERROR_123456", Cu.name(123456));
    }

    @Test
    void successPassesAndErrorsThrowTypedExceptionsNamingTheCall() {
        Cu.check(CUresult.CUDA_SUCCESS, "cuInit");
        NativeCallException e = assertThrows(NativeCallException.class,
                () -> Cu.check(CUresult.CUDA_ERROR_INVALID_VALUE, "cuMemsetD32Async"));
        assertFalse(e instanceof DeviceLostException);
        assertEquals("CUDA", e.api());
        assertEquals("cuMemsetD32Async", e.call());
        assertEquals(CUresult.CUDA_ERROR_INVALID_VALUE, e.code());
        assertEquals("CUDA_ERROR_INVALID_VALUE", e.codeName());
    }

    @Test
    void stickyErrorsSayTheDeviceIsLost() {
        for (int code : new int[] {CUresult.CUDA_ERROR_ILLEGAL_ADDRESS, CUresult.CUDA_ERROR_LAUNCH_FAILED,
                CUresult.CUDA_ERROR_ILLEGAL_INSTRUCTION, CUresult.CUDA_ERROR_MISALIGNED_ADDRESS,
                CUresult.CUDA_ERROR_HARDWARE_STACK_ERROR, CUresult.CUDA_ERROR_ECC_UNCORRECTABLE}) {
            NativeCallException e = assertThrows(NativeCallException.class,
                    () -> Cu.check(code, "cuStreamSynchronize"));
            assertInstanceOf(DeviceLostException.class, e, Cu.name(code));
            assertEquals(code, e.code());
            assertTrue(e.getMessage().contains("restart the process"), e.getMessage());
        }
        assertFalse(Cu.isSticky(CUresult.CUDA_ERROR_OUT_OF_MEMORY), "out of memory is recoverable");
        assertFalse(Cu.isSticky(CUresult.CUDA_ERROR_INVALID_VALUE));
    }

    @Test
    void cublasStatusNames() {
        assertEquals("CUBLAS_STATUS_NOT_SUPPORTED", Cublas.name(cublasStatus.CUBLAS_STATUS_NOT_SUPPORTED));
        assertEquals("CUBLAS_STATUS_EXECUTION_FAILED", Cublas.name(13));
        assertEquals("CUBLAS_STATUS_999", Cublas.name(999));
        Cublas.check(cublasStatus.CUBLAS_STATUS_SUCCESS, "cublasSgemm");
        NativeCallException e = assertThrows(NativeCallException.class,
                () -> Cublas.check(cublasStatus.CUBLAS_STATUS_INVALID_VALUE, "cublasSgemm"));
        assertEquals("cuBLAS", e.api());
        assertEquals("cublasSgemm", e.call());
        assertEquals("CUBLAS_STATUS_INVALID_VALUE", e.codeName());
    }
}
