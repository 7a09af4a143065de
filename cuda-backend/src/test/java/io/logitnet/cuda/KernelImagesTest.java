package io.logitnet.cuda;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The compiled kernels from logitnet-kernels are on the class path and hold exactly the kernels the backend launches. */
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
    void cuda12PtxDeclaresIsa80AndExactlyTheKernelsOfTheEnum() throws IOException {
        String ptx = new String(resource(Module.PTX_CUDA12), StandardCharsets.US_ASCII);
        assertTrue(ptx.contains("\n.version 8.0\n"), "the fallback must be loadable by CUDA 12.0 drivers");
        assertTrue(ptx.contains("\n.target sm_75\n"), "the fallback must JIT on every supported device");
        Set<String> entries = new TreeSet<>();
        Matcher m = Pattern.compile("\\.entry (\\w+)\\(").matcher(ptx);
        while (m.find()) {
            entries.add(m.group(1));
        }
        Set<String> launched = new TreeSet<>();
        for (Kernels k : Kernels.values()) {
            launched.add(k.symbol());
        }
        assertEquals(launched, entries, "the kernels of " + Module.PTX_CUDA12 + " and of the Kernels enum");
    }

    @Test
    void compatibilityLibraryIsBundled() throws IOException {
        byte[] so = resource(NativeLoader.SHIM_RESOURCE);
        assertEquals(0x7f, so[0]);
        assertEquals("ELF", new String(so, 1, 3, StandardCharsets.US_ASCII));
    }
}
