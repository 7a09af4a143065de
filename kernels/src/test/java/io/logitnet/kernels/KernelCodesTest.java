package io.logitnet.kernels;

import io.logitnet.backend.Activation;
import io.logitnet.backend.Loss;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The activation and loss codes the kernels switch on have one source of truth, the Java enums: kernels/src/main/
 * common/logitnet_codes.h is generated from them, and this test fails when it is out of date (a constant added,
 * renamed or renumbered), writing the current header to target/logitnet_codes.h to copy over it.
 */
class KernelCodesTest {
    static final Path HEADER = Path.of("src/main/common/logitnet_codes.h");

    /** The header as generated from the enums. */
    static String generate() {
        StringBuilder h = new StringBuilder();
        h.append("// Generated from io.logitnet.backend.Activation and io.logitnet.backend.Loss (their code() values) by\n")
                .append("// kernels/src/test/java/io/logitnet/kernels/KernelCodesTest.java, which fails when this file is out of date and\n")
                .append("// writes the current one to kernels/target/logitnet_codes.h. Do not edit by hand.\n")
                .append("#ifndef LOGITNET_CODES_H\n#define LOGITNET_CODES_H\n\n");
        for (Activation a : Activation.values()) {
            h.append("#define ACTIVATION_").append(a.name()).append(' ').append(a.code()).append('\n');
        }
        h.append('\n');
        for (Loss l : Loss.values()) {
            h.append("#define LOSS_").append(l.name()).append(' ').append(l.code()).append('\n');
        }
        return h.append("\n#endif\n").toString();
    }

    @Test
    void theCommittedHeaderIsGeneratedFromTheEnums() throws IOException {
        String expected = generate();
        String actual = Files.readString(HEADER, StandardCharsets.UTF_8);
        if (!expected.equals(actual)) {
            Path fresh = Path.of("target/logitnet_codes.h");
            Files.createDirectories(fresh.getParent());
            Files.writeString(fresh, expected, StandardCharsets.UTF_8);
            assertEquals(expected, actual, HEADER + " is out of date with the Activation and Loss enums: copy "
                    + fresh.toAbsolutePath() + " over it (then regenerate the CUDA images with kernels/build-cuda.sh)");
        }
    }
}
