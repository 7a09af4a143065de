package io.logitnet.cuda;

import jcuda.driver.CUdevice;
import jcuda.driver.JCudaDriver;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The counters of the emulated driver (src/test/c/emulated_libcuda.cpp), read through cuDeviceGetAttribute with its
 * attribute numbers; a real driver refuses those numbers, and a test that needs them is then skipped with the reason.
 */
final class EmulatedDriver {
    static final int STREAM_SYNCS = 0x4c4e0001;
    static final int PENDING_OPS = 0x4c4e0002;
    static final int EVENT_SYNCS = 0x4c4e0003;
    static final int GRAPH_LAUNCHES = 0x4c4e0004;
    static final int LIVE_GRAPH_EXECS = 0x4c4e0005;
    static final int LIVE_GRAPHS = 0x4c4e0006;
    static final int CAPTURES = 0x4c4e0007;
    static final int KERNEL_LAUNCHES = 0x4c4e0008;

    private EmulatedDriver() {
    }

    /** Whether the driver in use is the emulated one (it answers the counters' attribute numbers). */
    static boolean present() {
        return read(STREAM_SYNCS)[0] == 0;
    }

    private static int[] read(int attribute) {
        CUdevice dev = new CUdevice();
        JCudaDriver.cuDeviceGet(dev, 0);
        int[] v = {0};
        int status = JCudaDriver.cuDeviceGetAttribute(v, attribute, dev);
        return new int[] {status, v[0]};
    }

    /** The counter, or the test is skipped: only the emulated driver keeps it. */
    static long counter(int attribute) {
        int[] r = read(attribute);
        int status = r[0];
        assumeTrue(status == 0, "only the emulated driver (cuda-backend/src/test/c/emulated_libcuda.cpp, "
                + "run-with-emulated-gpu.sh) reports its queue and counters; this driver answered " + status);
        return r[1];
    }
}
