package io.logitnet.cuda;

import java.util.Locale;

/**
 * Every kernel of logitnet.cu the backend launches: the one place to add a kernel (its constant here, its code in
 * kernels/src/main/cuda/logitnet.cu). Names and argument orders are those of the OpenCL kernel of the same operation
 * ({@code io.logitnet.opencl.Kernels}); {@link Module} loads them all when the backend opens, and a test checks the
 * compiled images export exactly these.
 */
enum Kernels {
    ADD_ROW_VECTOR,
    BIAS_ACTIVATION,
    ACTIVATION_FORWARD,
    ACTIVATION_BACKWARD,
    AXPY,
    SCALE,
    SGD_UPDATE,
    ADAM_UPDATE,
    SOFTMAX_ROWS,
    LOSS_ROWS,
    SOFTMAX_CROSS_ENTROPY_ROWS,
    COLUMN_SUMS_PARTIAL,
    COLUMN_SUMS_FINISH,
    DOT_PARTIAL,
    SUM_PARTIALS,
    /** CUDA only: the bfloat16 operands of cublasGemmEx (the OpenCL GEMM rounds its operands as it loads them). */
    ROUND_BF16,
    /** CUDA only: SGD_UPDATE with the learning rate read from device memory, for CUDA graphs ({@link StepGraphs}). */
    SGD_UPDATE_STEP_SCALARS,
    /** CUDA only: ADAM_UPDATE with lr, c1 and c2 read from device memory, for CUDA graphs ({@link StepGraphs}). */
    ADAM_UPDATE_STEP_SCALARS;

    /** The kernel's name in logitnet.cu (an extern "C" __global__ function). */
    String symbol() {
        return name().toLowerCase(Locale.ROOT);
    }
}
