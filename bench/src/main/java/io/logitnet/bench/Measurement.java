package io.logitnet.bench;

import com.fasterxml.jackson.annotation.JsonInclude;

import java.util.List;

/**
 * One row of the harness's results: a backend, a precision and a shape, with its timings and the side-by-side
 * figures. Written as JSON with snake_case names ({@code step_ms}, {@code ratio_vs_pytorch}); a field that was not
 * measured is left out. A shape the harness did not run has {@link #skipped()} set to the reason and no timings.
 *
 * @param backend              {@code cpu}, {@code opencl}, {@code cuda}
 * @param device               the backend's device in words
 * @param precision            {@code fp32}, {@code tf32}
 * @param batch                examples per step
 * @param layers               widths {@code [in, h1, ..., out]}
 * @param hiddenWidth          the widest hidden layer
 * @param depth                hidden layers
 * @param steps                timed steps
 * @param stepMs               median step time (ms), forward + loss + backward + SGD update, synchronized
 * @param stepMsMin            fastest step
 * @param stepMsMax            slowest step
 * @param tflops               6 × batch × Σ in·out / median step time, in 10¹² FLOP/s
 * @param examplesPerS         batch / median step time
 * @param gemmPeakTflops       the best rate of a large square GEMM measured on this backend in the same run
 * @param fractionOfPeak       tflops / gemmPeakTflops
 * @param peakMemoryBytes      bytes of tensors a step holds, computed from the shapes (see {@link Shape#memoryBytes})
 * @param ratioVsCpu           the CPU backend's step time over this one's (above 1: faster than the CPU backend)
 * @param epochMs              one epoch of {@code epochSteps} mini-batches through {@link io.logitnet.train.Trainer}
 * @param epochSteps           mini-batches in that epoch
 * @param pytorchDevice        PyTorch's device in the comparison ({@code cpu} or {@code cuda})
 * @param pytorchStepMs        PyTorch's median step time for the same shape and precision
 * @param pytorchTflops        PyTorch's rate by the same formula
 * @param pytorchGemmPeakTflops PyTorch's large GEMM rate on that device
 * @param pytorchThreads       PyTorch's CPU threads in its fastest timing (every core, or its own default)
 * @param ratioVsPytorch       PyTorch's step time over LogitNet's (above 1: LogitNet is faster)
 * @param djlStepMs            DJL's (PyTorch engine, CPU) median step time for the same shape, on rows measured on
 *                             the CPU (the CPU backend, OpenCL on a CPU device)
 * @param djlTflops            DJL's rate by the same formula
 * @param djlThreads           libtorch's intra-op threads in DJL's fastest timing
 * @param ratioVsDjl           DJL's step time over LogitNet's (above 1: LogitNet is faster)
 * @param skipped              why this shape was not run, or null
 * @param rounds               how many times the shape was measured on every side in turn ({@code --rounds}); the
 *                             step times are then the medians of the rounds' medians, fastest and slowest over all
 * @param roundRatiosVsPytorch the ratio vs PyTorch of each round, in order, when there were several
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Measurement(String backend, String device, String precision, int batch, List<Integer> layers,
                          int hiddenWidth, int depth, Integer steps, Double stepMs, Double stepMsMin,
                          Double stepMsMax, Double tflops, Double examplesPerS, Double gemmPeakTflops,
                          Double fractionOfPeak, Long peakMemoryBytes, Double ratioVsCpu, Double epochMs,
                          Integer epochSteps, String pytorchDevice, Double pytorchStepMs, Double pytorchTflops,
                          Double pytorchGemmPeakTflops, Integer pytorchThreads, Double ratioVsPytorch,
                          Double djlStepMs, Double djlTflops, Integer djlThreads, Double ratioVsDjl,
                          String skipped, Integer rounds, List<Double> roundRatiosVsPytorch) {

    /** A timed shape, without the side-by-side figures. */
    static Measurement timed(String backend, String device, String precision, Shape s, double[] stepMs,
                             double gemmPeakTflops) {
        double[] sorted = stepMs.clone();
        java.util.Arrays.sort(sorted);
        double median = median(sorted);
        double tflops = s.flopsPerStep() / (median / 1e3) / 1e12;
        return new Measurement(backend, device, precision, s.batch(), s.layers(), s.hiddenWidth(), s.depth(),
                sorted.length, median, sorted[0], sorted[sorted.length - 1], tflops, s.batch() / (median / 1e3),
                gemmPeakTflops, tflops / gemmPeakTflops, s.memoryBytes(0), null, null, null, null, null, null,
                null, null, null, null, null, null, null, null, null, null);
    }

    /** A shape that was not run, and why. */
    static Measurement skipped(String backend, String device, String precision, Shape s, String reason) {
        return new Measurement(backend, device, precision, s.batch(), s.layers(), s.hiddenWidth(), s.depth(), null,
                null, null, null, null, null, null, null, s.memoryBytes(0), null, null, null, null, null, null, null,
                null, null, null, null, null, null, reason, null, null);
    }

    /**
     * The rows of one backend, precision and shape measured in several rounds, as one row: the median of the rounds'
     * median step times for LogitNet, PyTorch and DJL each (so rates and ratios follow from those), the fastest and
     * slowest step over all rounds, the steps added up, the first round's epoch, and each round's ratio vs PyTorch.
     * One round is returned as it is.
     */
    static Measurement combine(List<Measurement> rounds) {
        Measurement first = rounds.get(0);
        if (rounds.size() == 1 || !first.measured()) {
            return first;
        }
        List<Measurement> timed = rounds.stream().filter(Measurement::measured).toList();
        double step = medianOf(timed.stream().map(Measurement::stepMs).toList());
        double flops = first.shape().flopsPerStep();
        double tflops = flops / (step / 1e3) / 1e12;
        Double torch = medianOf(timed.stream().map(Measurement::pytorchStepMs).filter(java.util.Objects::nonNull)
                .toList());
        Double djl = medianOf(timed.stream().map(Measurement::djlStepMs).filter(java.util.Objects::nonNull).toList());
        List<Double> ratios = timed.stream().map(Measurement::ratioVsPytorch).filter(java.util.Objects::nonNull)
                .toList();
        return new Measurement(first.backend, first.device, first.precision, first.batch, first.layers,
                first.hiddenWidth, first.depth, timed.stream().mapToInt(Measurement::steps).sum(), step,
                timed.stream().mapToDouble(Measurement::stepMsMin).min().orElseThrow(),
                timed.stream().mapToDouble(Measurement::stepMsMax).max().orElseThrow(), tflops,
                first.batch / (step / 1e3), first.gemmPeakTflops,
                first.gemmPeakTflops == null ? null : tflops / first.gemmPeakTflops, first.peakMemoryBytes,
                first.ratioVsCpu, first.epochMs, first.epochSteps, first.pytorchDevice, torch,
                torch == null ? null : flops / (torch / 1e3) / 1e12, first.pytorchGemmPeakTflops,
                first.pytorchThreads, torch == null ? null : torch / step, djl,
                djl == null ? null : flops / (djl / 1e3) / 1e12, first.djlThreads, djl == null ? null : djl / step,
                null, rounds.size(), ratios.size() > 1 ? ratios : null);
    }

    private static Double medianOf(List<Double> values) {
        if (values.isEmpty()) {
            return null;
        }
        double[] sorted = values.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        return median(sorted);
    }

    /** The median of sorted values. */
    static double median(double[] sorted) {
        int n = sorted.length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }

    /** Whether this row holds timings. */
    public boolean measured() {
        return skipped == null && stepMs != null;
    }

    /** The shape of this row. */
    public Shape shape() {
        return new Shape(batch, layers);
    }

    /** This row under another backend name (e.g. {@code cuda-graphs} for the CUDA backend timed with graphs). */
    Measurement withBackend(String name) {
        return new Measurement(name, device, precision, batch, layers, hiddenWidth, depth, steps, stepMs,
                stepMsMin, stepMsMax, tflops, examplesPerS, gemmPeakTflops, fractionOfPeak, peakMemoryBytes, ratioVsCpu,
                epochMs, epochSteps, pytorchDevice, pytorchStepMs, pytorchTflops, pytorchGemmPeakTflops,
                pytorchThreads, ratioVsPytorch, djlStepMs, djlTflops, djlThreads, ratioVsDjl, skipped, rounds,
                roundRatiosVsPytorch);
    }

    Measurement withRatioVsCpu(Double r) {
        return new Measurement(backend, device, precision, batch, layers, hiddenWidth, depth, steps, stepMs,
                stepMsMin, stepMsMax, tflops, examplesPerS, gemmPeakTflops, fractionOfPeak, peakMemoryBytes, r,
                epochMs, epochSteps, pytorchDevice, pytorchStepMs, pytorchTflops, pytorchGemmPeakTflops,
                pytorchThreads, ratioVsPytorch, djlStepMs, djlTflops, djlThreads, ratioVsDjl, skipped, rounds, roundRatiosVsPytorch);
    }

    Measurement withEpoch(Double ms, Integer count) {
        return new Measurement(backend, device, precision, batch, layers, hiddenWidth, depth, steps, stepMs,
                stepMsMin, stepMsMax, tflops, examplesPerS, gemmPeakTflops, fractionOfPeak, peakMemoryBytes,
                ratioVsCpu, ms, count, pytorchDevice, pytorchStepMs, pytorchTflops, pytorchGemmPeakTflops,
                pytorchThreads, ratioVsPytorch, djlStepMs, djlTflops, djlThreads, ratioVsDjl, skipped, rounds, roundRatiosVsPytorch);
    }

    Measurement withPytorch(String torchDevice, double torchStepMs, double torchTflops, Double torchPeak,
                            Integer torchThreads) {
        Double ratio = stepMs == null ? null : torchStepMs / stepMs;
        return new Measurement(backend, device, precision, batch, layers, hiddenWidth, depth, steps, stepMs,
                stepMsMin, stepMsMax, tflops, examplesPerS, gemmPeakTflops, fractionOfPeak, peakMemoryBytes,
                ratioVsCpu, epochMs, epochSteps, torchDevice, torchStepMs, torchTflops, torchPeak, torchThreads,
                ratio, djlStepMs, djlTflops, djlThreads, ratioVsDjl, skipped, rounds, roundRatiosVsPytorch);
    }

    /** This row with DJL's timing of the same shape beside it, and the ratio DJL / this row. */
    Measurement withDjl(double djlMs, double djlRate, Integer threads) {
        Double ratio = stepMs == null ? null : djlMs / stepMs;
        return new Measurement(backend, device, precision, batch, layers, hiddenWidth, depth, steps, stepMs,
                stepMsMin, stepMsMax, tflops, examplesPerS, gemmPeakTflops, fractionOfPeak, peakMemoryBytes,
                ratioVsCpu, epochMs, epochSteps, pytorchDevice, pytorchStepMs, pytorchTflops, pytorchGemmPeakTflops,
                pytorchThreads, ratioVsPytorch, djlMs, djlRate, threads, ratio, skipped, rounds,
                roundRatiosVsPytorch);
    }
}
