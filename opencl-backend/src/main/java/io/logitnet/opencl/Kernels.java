package io.logitnet.opencl;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * Every OpenCL kernel the backend launches, and the program each lives in: the one place to add a kernel (its
 * constant here, its code in kernels/src/main/opencl). Names and argument orders are those of the CUDA kernel of the
 * same operation ({@code io.logitnet.cuda.Kernels}, kernels/src/main/cuda/logitnet.cu); the GEMM kernels are
 * OpenCL's own (CUDA uses cuBLAS).
 */
enum Kernels {
    GEMM_NN(Source.GEMM),
    GEMM_NT(Source.GEMM),
    GEMM_TN(Source.GEMM),
    GEMM_TT(Source.GEMM),
    ADD_ROW_VECTOR(Source.ELEMENTWISE),
    BIAS_ACTIVATION(Source.ELEMENTWISE),
    ACTIVATION_FORWARD(Source.ELEMENTWISE),
    ACTIVATION_BACKWARD(Source.ELEMENTWISE),
    AXPY(Source.ELEMENTWISE),
    SCALE(Source.ELEMENTWISE),
    SGD_UPDATE(Source.ELEMENTWISE),
    ADAM_UPDATE(Source.ELEMENTWISE),
    SOFTMAX_ROWS(Source.ROWS),
    LOSS_ROWS(Source.ROWS),
    SOFTMAX_CROSS_ENTROPY_ROWS(Source.ROWS),
    COLUMN_SUMS_PARTIAL(Source.REDUCE),
    COLUMN_SUMS_FINISH(Source.REDUCE),
    ACTIVATION_BACKWARD_COLUMN_SUMS_PARTIAL(Source.REDUCE),
    DOT_PARTIAL(Source.REDUCE),
    SUM_PARTIALS(Source.REDUCE);

    final Source source;

    Kernels(Source source) {
        this.source = source;
    }

    /** The kernel's name in the OpenCL source. */
    String symbol() {
        return name().toLowerCase(Locale.ROOT);
    }

    /**
     * The programs, one per .cl file of kernels/src/main/opencl (shipped in logitnet-kernels under
     * io/logitnet/kernels/opencl). Every program but GEMM has the shared headers in front, as the CUDA kernels include
     * them: the codes generated from the Activation and Loss enums, the formulas, the work-group reductions.
     */
    enum Source {
        GEMM("gemm.cl"),
        ELEMENTWISE("logitnet_codes.h", "logitnet_formulas.h", "common.cl", "elementwise.cl"),
        ROWS("logitnet_codes.h", "logitnet_formulas.h", "common.cl", "softmax_loss.cl"),
        REDUCE("logitnet_codes.h", "logitnet_formulas.h", "common.cl", "reduce.cl");

        private final String[] files;

        Source(String... files) {
            this.files = files;
        }

        /** The program's source: its files in order, each starting a new line count for the build log. */
        String text() {
            StringBuilder out = new StringBuilder();
            for (String f : files) {
                out.append("// ---- ").append(f).append(" ----\n#line 1\n").append(read(f)).append('\n');
            }
            return out.toString();
        }

        /** The .cl file's name without extension, for build logs. */
        String programName() {
            String last = files[files.length - 1];
            return last.substring(0, last.lastIndexOf('.'));
        }

        private static String read(String file) {
            String path = "io/logitnet/kernels/" + (file.endsWith(".h") ? "common/" : "opencl/") + file;
            try (InputStream in = Kernels.class.getClassLoader().getResourceAsStream(path)) {
                if (in == null) {
                    throw new IllegalStateException("OpenCL kernel source " + path + " is not on the class path:"
                            + " add logitnet-kernels");
                }
                return new String(in.readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new IllegalStateException("cannot read OpenCL kernel source " + path, e);
            }
        }
    }
}
