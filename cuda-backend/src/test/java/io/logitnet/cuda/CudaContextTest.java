package io.logitnet.cuda;

import io.logitnet.backend.Backend;
import io.logitnet.backend.BackendTestSupport;
import io.logitnet.backend.Tensor;
import jcuda.driver.CUdevice;
import jcuda.driver.JCudaDriver;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The device's primary context is retained once for the life of the process: closing one backend leaves another on
 * the same device working, and closing every backend leaves the context active, so nothing (another backend opened
 * later, cuBLAS, the CUDA runtime) ever finds it reset. Opens its own backends: run it where no other is open.
 */
class CudaContextTest {
    @Test
    void closingBackendsNeverReleasesTheDevicesPrimaryContext() {
        Backend first = BackendTestSupport.openOrSkip("cuda");
        Backend second = BackendTestSupport.openOrSkip("cuda");
        try (Tensor t = second.upload(new float[] {1, 2, 3}, 1, 3)) {
            first.close();
            second.scale(2f, t);
            assertArrayEquals(new float[] {2, 4, 6}, t.toArray(), "the other backend on the device still works");
        } finally {
            second.close();
        }
        CUdevice device = new CUdevice();
        Cu.check(JCudaDriver.cuDeviceGet(device, 0), "cuDeviceGet");
        int[] flags = {0};
        int[] active = {0};
        Cu.check(JCudaDriver.cuDevicePrimaryCtxGetState(device, flags, active), "cuDevicePrimaryCtxGetState");
        assertEquals(1, active[0], "the primary context is still retained after every backend closed");
        try (Backend again = BackendTestSupport.openOrSkip("cuda"); Tensor t = again.upload(new float[] {5}, 1, 1)) {
            assertArrayEquals(new float[] {5}, t.toArray());
        }
    }
}
