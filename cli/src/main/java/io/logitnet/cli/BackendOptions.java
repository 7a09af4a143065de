package io.logitnet.cli;

import picocli.CommandLine.Option;

/** The backend options every command that computes shares: one name, one default, one description. */
final class BackendOptions {
    @Option(names = "--backend", defaultValue = "auto", paramLabel = "NAME",
            description = "auto, cpu, opencl[:P:D] or cuda[:N]; auto takes the fastest available (CUDA, an OpenCL "
                    + "GPU, then the CPU) (default: ${DEFAULT-VALUE})")
    String backend;

    @Option(names = "--precision", paramLabel = "P",
            description = "matrix-product precision: fp32 (default); bf16 (operands rounded to bfloat16, float32 "
                    + "sums, weights and optimizer; cpu and opencl); tf32 (cuda, compute capability 8.0+)")
    String precision;

    @Option(names = "--verbose", description = "say why each faster backend was not taken, in full")
    boolean verbose;
}
