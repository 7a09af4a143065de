package io.logitnet.cuda;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The compiled kernels from logitnet-kernels are on the class path and hold every kernel the backend launches. */
class KernelImagesTest {
    private static byte[] resource(String name) throws IOException {
        try (InputStream in = KernelImagesTest.class.getResourceAsStream(name)) {
            assertNotNull(in, name + " is not on the class path");
            return in.readAllBytes();
        }
    }

    @Test
    void fatbinIsAFatbinary() throws IOException {
        byte[] fatbin = resource(Module.FATBIN);
        assertTrue(fatbin.length > 1024, "fatbin of " + fatbin.length + " bytes");
        // fatbinary header magic 0xBA55ED50, little-endian
        assertEquals(0xBA55ED50, ByteBuffer.wrap(fatbin).order(ByteOrder.LITTLE_ENDIAN).getInt(0));
    }

    @Test
    void cuda12PtxDeclaresIsa80AndEveryKernel() throws IOException {
        String ptx = new String(resource(Module.PTX_CUDA12), StandardCharsets.US_ASCII);
        assertTrue(ptx.contains("\n.version 8.0\n"), "the fallback must be loadable by CUDA 12.0 drivers");
        assertTrue(ptx.contains("\n.target sm_75\n"), "the fallback must JIT on every supported device");
        for (String k : CudaBackend.KERNEL_NAMES) {
            assertTrue(ptx.contains(".entry " + k + "("), "kernel " + k + " missing from " + Module.PTX_CUDA12);
        }
    }

    @Test
    void compatibilityLibraryIsBundled() throws IOException {
        byte[] so = resource(NativeLoader.SHIM_RESOURCE);
        assertEquals(0x7f, so[0]);
        assertEquals("ELF", new String(so, 1, 3, StandardCharsets.US_ASCII));
    }
}
