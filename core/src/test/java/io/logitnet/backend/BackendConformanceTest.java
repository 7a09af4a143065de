package io.logitnet.backend;

import io.logitnet.ShapeMismatchException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The one conformance suite every backend runs: each operation of {@link Backend} against the double-precision
 * {@link Reference}, on awkward sizes (1, 7, 93, 144, 4097) and extreme values. A backend module subclasses it and
 * names its selection; a backend that is not present is skipped with its reason (a failure if
 * {@code LOGITNET_REQUIRE} names it).
 *
 * <p>Tolerances: element-wise results must agree to a few float32 ulps; reductions of length K to
 * {@code c·u·sqrt(K)·Σ|terms|} with u the unit round-off of the backend's precision, the bound that grows like
 * sqrt(K) rather than a fixed relative tolerance. NaN and ±Inf inputs reach every operation, and the result must be
 * the IEEE one the reference gives: NaN exactly where it is NaN, the same infinities.
 *
 * <p>The rules every backend shares are checked here too: closing, instance names, calls from several threads.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
public abstract class BackendConformanceTest {
    /** float32 unit round-off. */
    protected static final double U = 0x1p-24;
    protected static final int[] SIZES = {1, 7, 93, 144, 4097};

    protected Backend backend;

    /** The selection string, e.g. {@code cpu}, {@code opencl}, {@code cuda}. */
    protected abstract String selection();

    @BeforeAll
    void open() {
        backend = openBackend();
    }

    /** The backend under test, or null when it is unavailable here (see {@link BackendTestSupport#openForClass}). */
    protected Backend openBackend() {
        return BackendTestSupport.openForClass(selection());
    }

    @BeforeEach
    void skipWithoutTheBackend() {
        BackendTestSupport.skipUnless(backend, selection());
    }

    @AfterAll
    void close() {
        if (backend != null) {
            backend.close();
        }
    }

    /** Relative tolerance of element-wise transcendental results (exp, tanh...): a few float32 ulps. */
    protected double elementwiseRel() {
        return 8 * U;
    }

    protected static float[] random(Random r, int n, double scale) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) ((r.nextDouble() * 2 - 1) * scale);
        }
        return x;
    }

    // ---- memory ----

    @ParameterizedTest
    @MethodSource("shapes")
    void uploadDownloadCopyFill(int rows, int cols) {
        float[] x = random(new Random(rows * 31L + cols), rows * cols, 3);
        try (Tensor t = backend.upload(x, rows, cols); Tensor u = backend.allocate(rows, cols)) {
            assertArrayEquals(x, t.toArray());
            assertArrayEquals(new float[rows * cols], u.toArray(), "allocate must zero-fill");
            backend.copy(t, u);
            assertArrayEquals(x, u.toArray());
            backend.fill(u, -2.5f);
            float[] expected = new float[rows * cols];
            java.util.Arrays.fill(expected, -2.5f);
            assertArrayEquals(expected, u.toArray());
            float[] big = new float[rows * cols + 5];
            backend.download(t, big, 5);
            assertEquals(x[rows * cols - 1], big[big.length - 1]);
        }
    }

    static Stream<Arguments> shapes() {
        List<Arguments> out = new ArrayList<>();
        for (int r : SIZES) {
            for (int c : new int[] {1, 7, 93, 144}) {
                out.add(Arguments.of(r, c));
            }
        }
        out.add(Arguments.of(3, 4097));
        return out.stream();
    }

    // ---- gemm ----

    static Stream<Arguments> gemmCases() {
        int[][] mnk = {{1, 1, 1}, {7, 93, 144}, {93, 7, 4097}, {144, 144, 93}, {4097, 7, 7}, {1, 4097, 93},
                {64, 64, 64}, {129, 65, 257}, {33, 1, 144}};
        List<Arguments> out = new ArrayList<>();
        for (int[] s : mnk) {
            for (boolean ta : new boolean[] {false, true}) {
                for (boolean tb : new boolean[] {false, true}) {
                    out.add(Arguments.of(s[0], s[1], s[2], ta, tb));
                }
            }
        }
        return out.stream();
    }

    @ParameterizedTest(name = "m={0} n={1} k={2} transA={3} transB={4}")
    @MethodSource("gemmCases")
    void gemmMatchesReference(int m, int n, int k, boolean ta, boolean tb) {
        Random r = new Random(m * 1000003L + n * 1009L + k + (ta ? 7 : 0) + (tb ? 13 : 0));
        int aRows = ta ? k : m;
        int aCols = ta ? m : k;
        int bRows = tb ? n : k;
        int bCols = tb ? k : n;
        float[] a = random(r, aRows * aCols, 1);
        float[] b = random(r, bRows * bCols, 1);
        float[] c = random(r, m * n, 1);
        checkGemm(ta, tb, 1.0f, a, aRows, aCols, b, bRows, bCols, 0f, c, m, n, k);
        checkGemm(ta, tb, -0.75f, a, aRows, aCols, b, bRows, bCols, 1.5f, c, m, n, k);
    }

    private void checkGemm(boolean ta, boolean tb, float alpha, float[] a, int aRows, int aCols, float[] b,
                           int bRows, int bCols, float beta, float[] c, int m, int n, int k) {
        double[] bound = new double[m * n];
        double[] expected = Reference.gemm(ta, tb, alpha, a, aRows, aCols, b, bRows, bCols, beta, c, bound);
        double u = backend.precision().unitRoundoff();
        double[] tol = new double[m * n];
        for (int i = 0; i < tol.length; i++) {
            tol[i] = (4 * u * Math.sqrt(k) + 4 * U) * bound[i] + 1e-30;
        }
        float[] cIn = c.clone();
        if (beta == 0f) {
            java.util.Arrays.fill(cIn, Float.NaN); // beta = 0 must ignore C entirely
        }
        try (Tensor A = backend.upload(a, aRows, aCols); Tensor B = backend.upload(b, bRows, bCols);
             Tensor C = backend.upload(cIn, m, n)) {
            backend.gemm(ta, tb, alpha, A, B, beta, C);
            Compare.assertClose("gemm " + m + "x" + n + "x" + k + " alpha=" + alpha + " beta=" + beta, C.toArray(),
                    expected, tol, n);
        }
    }

    /**
     * BF16, where the backend supports it: the product of the operands rounded to bfloat16 ({@link Bf16}, the
     * reference), summed in float32 (tolerance from float32's unit round-off and sqrt(K), as for FP32), and not the
     * float32 product of the unrounded operands (which differs by far more on these random operands). Checked on a
     * backend instance of its own, which is left in FP32 for nobody.
     */
    @ParameterizedTest(name = "m={0} n={1} k={2} transA={3} transB={4}")
    @MethodSource("bf16Cases")
    void bf16GemmIsTheFloatProductOfTheRoundedOperands(int m, int n, int k, boolean ta, boolean tb) {
        Backend b = BackendTestSupport.openOrSkip(selection());
        try {
            org.junit.jupiter.api.Assumptions.assumeTrue(b.supportedPrecisions().contains(Precision.BF16),
                    b.instanceName() + " supports " + b.supportedPrecisions() + ": no BF16 on this device");
            b.setPrecision(Precision.BF16);
            assertEquals(Precision.BF16, b.precision());
            Random r = new Random(m * 31L + n * 7L + k + (ta ? 3 : 0) + (tb ? 5 : 0));
            int aRows = ta ? k : m;
            int aCols = ta ? m : k;
            int bRows = tb ? n : k;
            int bCols = tb ? k : n;
            float[] a = random(r, aRows * aCols, 1);
            float[] bb = random(r, bRows * bCols, 1);
            float[] c = random(r, m * n, 1);
            float[] ar = a.clone();
            float[] br = bb.clone();
            Bf16.round(a, 0, ar, 0, a.length);
            Bf16.round(bb, 0, br, 0, bb.length);
            double[] bound = new double[m * n];
            double[] expected = Reference.gemm(ta, tb, -0.75, ar, aRows, aCols, br, bRows, bCols, 1.5, c, bound);
            double[] unrounded = Reference.gemm(ta, tb, -0.75, a, aRows, aCols, bb, bRows, bCols, 1.5, c,
                    new double[m * n]);
            double[] tol = new double[m * n];
            for (int i = 0; i < tol.length; i++) {
                tol[i] = 8 * U * Math.sqrt(k) * bound[i] + 1e-30;
            }
            try (Tensor A = b.upload(a, aRows, aCols); Tensor B = b.upload(bb, bRows, bCols);
                 Tensor C = b.upload(c, m, n)) {
                b.gemm(ta, tb, -0.75f, A, B, 1.5f, C);
                float[] got = C.toArray();
                Compare.assertClose("bf16 gemm " + m + "x" + n + "x" + k, got, expected, tol, n);
                double far = 0;
                for (int i = 0; i < got.length; i++) {
                    far = Math.max(far, Math.abs(got[i] - unrounded[i]) / tol[i]);
                }
                assertTrue(far > 4, "the operands were rounded: the float32 product of the unrounded ones is "
                        + "within " + far + " tolerances");
            }
            b.setPrecision(Precision.FP32);
            assertEquals(Precision.FP32, b.precision());
        } finally {
            b.close();
        }
    }

    static Stream<Arguments> bf16Cases() {
        return Stream.of(Arguments.of(7, 93, 144, false, false), Arguments.of(93, 7, 600, true, false),
                Arguments.of(129, 65, 257, false, true), Arguments.of(33, 600, 520, true, true),
                Arguments.of(600, 2100, 300, false, true)); // past the CPU's panels of 512 rows, 2048 columns, 256 deep
    }

    @Test
    void gemmRejectsMismatchedShapesWithBoth() {
        try (Tensor a = backend.allocate(3, 4); Tensor b = backend.allocate(5, 6); Tensor c = backend.allocate(3, 6)) {
            ShapeMismatchException e = assertThrows(ShapeMismatchException.class,
                    () -> backend.gemm(false, false, 1, a, b, 0, c));
            assertArrayEquals(new int[] {3, 4}, e.expected());
            assertArrayEquals(new int[] {5, 6}, e.actual());
        }
        try (Tensor a = backend.allocate(3, 4); Tensor b = backend.allocate(4, 6); Tensor c = backend.allocate(3, 5)) {
            ShapeMismatchException e = assertThrows(ShapeMismatchException.class,
                    () -> backend.gemm(false, false, 1, a, b, 0, c));
            assertArrayEquals(new int[] {3, 6}, e.expected());
            assertArrayEquals(new int[] {3, 5}, e.actual());
        }
    }

    // ---- bias, column sums ----

    @ParameterizedTest
    @MethodSource("shapes")
    void addRowVectorAndColumnSums(int rows, int cols) {
        Random r = new Random(rows * 7L + cols);
        float[] x = random(r, rows * cols, 2);
        float[] bias = random(r, cols, 2);
        double[] expected = new double[rows * cols];
        double[] sums = new double[cols];
        double[] sumBound = new double[cols];
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < cols; j++) {
                expected[i * cols + j] = (double) x[i * cols + j] + bias[j];
                sums[j] += x[i * cols + j];
                sumBound[j] += Math.abs(x[i * cols + j]);
            }
        }
        double[] sumTol = new double[cols];
        for (int j = 0; j < cols; j++) {
            sumTol[j] = 4 * U * Math.sqrt(rows) * sumBound[j] + 2 * U * Math.abs(sums[j]) + 1e-30;
        }
        try (Tensor X = backend.upload(x, rows, cols); Tensor B = backend.upload(bias, 1, cols);
             Tensor S = backend.allocate(1, cols)) {
            backend.columnSums(X, S);
            Compare.assertClose("columnSums", S.toArray(), sums, sumTol, cols);
            backend.addRowVector(X, B);
            Compare.assertClose("addRowVector", X.toArray(), expected, U, 0, cols);
        }
    }

    // ---- fused passes: the same results as the operations they fuse ----

    /**
     * The shapes of the fused tests: awkward sizes (one row, one column, partial work-groups and tiles on every side),
     * and one large enough for a backend to split it across threads and chunks of rows.
     */
    static Stream<Arguments> fusedShapes() {
        return Stream.of(Arguments.of(1, 1), Arguments.of(1, 13), Arguments.of(7, 3), Arguments.of(33, 1),
                Arguments.of(93, 144), Arguments.of(300, 33), Arguments.of(4097, 300));
    }

    /** biasActivation gives the bits of addRowVector then activationForward, into another tensor and in place. */
    @ParameterizedTest
    @MethodSource("fusedShapes")
    void biasActivationGivesTheBitsOfTheComposedOperations(int rows, int cols) {
        for (Activation f : Activation.values()) {
            float[] z = activationInputs(rows * cols, rows + 31L * f.ordinal());
            float[] bias = random(new Random(cols), cols, 3);
            if (f == Activation.EXP) {
                for (int i = 0; i < z.length; i++) {
                    z[i] = Math.max(-80f, Math.min(80f, z[i])); // overflow of e^z is tested with the activations
                }
            }
            try (Tensor Z = backend.upload(z, rows, cols); Tensor B = backend.upload(bias, 1, cols);
                 Tensor Y = backend.allocate(rows, cols); Tensor R = backend.upload(z, rows, cols)) {
                backend.addRowVector(R, B);
                backend.activationForward(f, R, R);
                float[] expected = R.toArray();
                backend.biasActivation(f, Z, B, Y);
                assertArrayEquals(expected, Y.toArray(), f + " biasActivation into another tensor");
                assertArrayEquals(z, Z.toArray(), f + " biasActivation leaves z alone");
                backend.biasActivation(f, Z, B, Z);
                assertArrayEquals(expected, Z.toArray(), f + " biasActivation in place");
            }
        }
    }

    /**
     * Whether {@link Backend#activationBackwardColumnSums}' sums are the bits of {@link Backend#columnSums} of its dz
     * (one kernel that adds as columnSums does: the GPU backends, and the interface's composing default), or only
     * within the bound of a sum of length rows (a backend that adds its rows in another order).
     */
    protected boolean fusedColumnSumsAreColumnSums() {
        return true;
    }

    /**
     * activationBackwardColumnSums writes the bits of activationBackward, and the bits of columnSums of them (or sums
     * within the bound of a sum of length rows, see {@link #fusedColumnSumsAreColumnSums}), into another tensor and in
     * place, for every activation, with NaN and ±Inf in y and dy where there are 6 columns or more.
     */
    @ParameterizedTest
    @MethodSource("fusedShapes")
    void activationBackwardColumnSumsMatchesTheComposedOperations(int rows, int cols) {
        for (Activation f : Activation.values()) {
            float[] z = activationInputs(rows * cols, 7 * rows + f.ordinal());
            float[] y = new float[z.length];
            for (int i = 0; i < z.length; i++) {
                y[i] = (float) Reference.activation(f, Math.max(-80f, Math.min(80f, z[i])));
            }
            float[] dy = random(new Random(rows + cols), rows * cols, 2);
            if (cols >= 6) {
                putNonFinite(y, dy, rows, cols);
            }
            try (Tensor Y = backend.upload(y, rows, cols); Tensor DY = backend.upload(dy, rows, cols);
                 Tensor DZ = backend.allocate(rows, cols); Tensor S = backend.allocate(1, cols);
                 Tensor R = backend.allocate(rows, cols); Tensor RS = backend.allocate(1, cols)) {
                backend.activationBackward(f, Y, DY, R);
                backend.columnSums(R, RS);
                float[] dz = R.toArray();
                float[] composedSums = RS.toArray();
                backend.activationBackwardColumnSums(f, Y, DY, DZ, S);
                assertArrayEquals(dz, DZ.toArray(), f + " dz");
                assertArrayEquals(dy, DY.toArray(), f + " dy left alone");
                checkFusedSums(f + " column sums", S.toArray(), composedSums, dz, rows, cols);
                backend.fill(S, -1f);
                backend.activationBackwardColumnSums(f, Y, DY, DY, S); // dz may be dy
                assertArrayEquals(dz, DY.toArray(), f + " dz in place");
                checkFusedSums(f + " column sums in place", S.toArray(), composedSums, dz, rows, cols);
            }
        }
    }

    /** NaN and ±Inf in y and dy at the first, middle and last rows of columns 0 to 5 (+Inf above -Inf in column 3). */
    private static void putNonFinite(float[] y, float[] dy, int rows, int cols) {
        int first = 0;
        int mid = rows / 2 * cols;
        int last = (rows - 1) * cols;
        y[mid] = Float.NaN;
        dy[first + 1] = Float.POSITIVE_INFINITY;
        y[last + 2] = Float.NEGATIVE_INFINITY;
        dy[first + 3] = Float.POSITIVE_INFINITY;
        dy[last + 3] = Float.NEGATIVE_INFINITY;
        y[mid + 4] = Float.POSITIVE_INFINITY;
        dy[mid + 4] = 0f;
        dy[mid + 5] = Float.NaN;
    }

    /** The fused sums: columnSums' bits, or (see {@link #fusedColumnSumsAreColumnSums}) within a sum's bound. */
    private void checkFusedSums(String what, float[] got, float[] composed, float[] dz, int rows, int cols) {
        if (fusedColumnSumsAreColumnSums()) {
            assertArrayEquals(composed, got, what + ": the bits of columnSums");
            return;
        }
        double[] sums = new double[cols];
        double[] tol = new double[cols];
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < cols; j++) {
                sums[j] += dz[i * cols + j];
                tol[j] += 4 * U * Math.sqrt(rows) * Math.abs(dz[i * cols + j]);
            }
        }
        for (int j = 0; j < cols; j++) {
            tol[j] += 2 * U * Math.abs(sums[j]) + 1e-30;
        }
        Compare.assertClose(what, got, sums, tol, cols);
    }

    // ---- views ----

    @Test
    void aPrefixViewSharesItsParentsMemoryAndClosesWithIt() {
        Tensor parent = backend.upload(new float[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}, 4, 3);
        Tensor view = backend.prefixRows(parent, 2);
        Tensor viewOfView = backend.prefixRows(view, 1);
        assertArrayEquals(new int[] {2, 3}, view.shape());
        assertArrayEquals(new float[] {1, 2, 3, 4, 5, 6}, view.toArray(), "a view reads its parent's first rows");
        backend.fill(view, -1f);
        assertArrayEquals(new float[] {-1, -1, -1, -1, -1, -1, 7, 8, 9, 10, 11, 12}, parent.toArray(),
                "writing the view writes the parent's first rows and nothing else");
        backend.upload(new float[] {20, 21, 22}, 0, viewOfView);
        assertArrayEquals(new float[] {20, 21, 22, -1, -1, -1}, view.toArray(), "a view of a view is the same memory");
        try (Tensor bias = backend.upload(new float[] {1, 1, 1}, 1, 3)) {
            backend.biasActivation(Activation.IDENTITY, view, bias, view);
            backend.activationBackwardColumnSums(Activation.IDENTITY, view, view, view, bias);
            assertArrayEquals(new float[] {21, 22, 23}, bias.toArray(), "column sums over the view's rows only");
        }
        assertArrayEquals(new float[] {21, 22, 23, 0, 0, 0, 7, 8, 9, 10, 11, 12}, parent.toArray());
        long held = backend.memory().usedBytes();
        try (Tensor another = backend.prefixRows(parent, 3)) {
            assertEquals(held, backend.memory().usedBytes(), "a view allocates nothing");
        }
        viewOfView.close();
        assertTrue(viewOfView.isClosed());
        assertArrayEquals(new float[] {21, 22, 23, 0, 0, 0}, view.toArray(),
                "closing a view leaves its parent and other views open");
        assertArrayEquals(new float[] {21, 22, 23, 0, 0, 0, 7, 8, 9, 10, 11, 12}, parent.toArray());
        parent.close();
        assertTrue(view.isClosed(), "a view is closed with its parent");
        assertThrows(IllegalStateException.class, view::toArray);
        try (Tensor t = backend.allocate(2, 2)) {
            assertThrows(IllegalArgumentException.class, () -> backend.prefixRows(t, 0));
            assertThrows(IllegalArgumentException.class, () -> backend.prefixRows(t, 3));
        }
    }

    // ---- memory accounting ----

    /**
     * A cap on the backend's memory refuses an allocation past it with {@link io.logitnet.DeviceOutOfMemoryException}
     * (requested and total bytes within the cap), and the backend stays usable; memory() counts what is held.
     */
    @Test
    void aMemoryLimitRefusesAnAllocationPastItAndTheBackendStaysUsable() {
        Backend b = BackendTestSupport.openOrSkip(selection());
        try {
            long before = b.memory().usedBytes();
            try (Tensor t = b.allocate(256, 256)) {
                DeviceMemory m = b.memory();
                assertTrue(m.usedBytes() >= before + 4L * 256 * 256, "held after a 256 KiB tensor: " + m);
                assertTrue(m.peakBytes() >= m.usedBytes(), m.toString());
                assertTrue(m.freeBytes() <= m.totalBytes() && m.maxAllocationBytes() <= m.totalBytes(), m.toString());
            }
            long limit = b.memory().usedBytes() + (8L << 20);
            b.setMemoryLimit(limit);
            DeviceMemory capped = b.memory();
            assertEquals(limit, capped.limitBytes());
            // free may count blocks the backend caches for reuse (CUDA): at most the cap, at least what is left of it
            assertTrue(capped.limited() && capped.totalBytes() <= limit && capped.freeBytes() <= limit
                    && capped.freeBytes() >= 8L << 20, capped.toString());
            io.logitnet.DeviceOutOfMemoryException e = assertThrows(io.logitnet.DeviceOutOfMemoryException.class,
                    () -> b.allocate(4096, 1024)); // 16 MiB
            assertTrue(e.requestedBytes() >= 4L * 4096 * 1024 && e.requestedBytes() <= 4L * 4096 * 1024 + 4096,
                    "the tensor's bytes (with the backend's header, if any): " + e.requestedBytes());
            assertTrue(e.totalBytes() <= limit, "total within the cap: " + e.getMessage());
            try (Tensor t = b.allocate(1024, 1024)) { // 4 MiB fits
                b.fill(t, 2f);
                assertEquals(2f, t.toArray()[1024 * 1024 - 1]);
            }
            b.setMemoryLimit(DeviceMemory.NO_LIMIT);
            try (Tensor t = b.allocate(4096, 1024)) {
                assertEquals(4096, t.rows(), "the cap is lifted");
            }
            assertThrows(IllegalArgumentException.class, () -> b.setMemoryLimit(0));
        } finally {
            b.close();
        }
    }

    // ---- activations ----

    /** Ordinary values, extremes (±90, ±1e4, ±1e30) and exact zeros. */
    protected static float[] activationInputs(int n, long seed) {
        Random r = new Random(seed);
        float[] x = random(r, n, 6);
        float[] extremes = {0f, -0f, 90f, -90f, 1e4f, -1e4f, 1e30f, -1e30f, 1e-8f, -1e-8f, 20f, -20f};
        for (int i = 0; i < Math.min(n, extremes.length); i++) {
            x[(int) ((i * 2654435761L) % n)] = extremes[i];
        }
        return x;
    }

    @ParameterizedTest
    @EnumSource(Activation.class)
    void activationForwardAndBackward(Activation f) {
        for (int rows : new int[] {1, 7, 93, 4097}) {
            int cols = rows == 4097 ? 3 : 13;
            int n = rows * cols;
            float[] z = activationInputs(n, rows + f.ordinal());
            if (f == Activation.EXP) {
                for (int i = 0; i < n; i++) {
                    if (Math.abs(z[i]) > 80 && Math.abs(z[i]) < 1e3) {
                        z[i] = Math.signum(z[i]) * 80; // e^90 overflows float32: tested separately below
                    }
                }
            }
            float[] dy = random(new Random(rows), n, 1);
            checkActivation(f, z, dy, rows, cols, "", true);
        }
    }

    /**
     * Forward of z and backward of dy through the stored float output, against the reference; with
     * {@code inPlace}, again with y = z and dz = dy, which must give the same bits.
     */
    private void checkActivation(Activation f, float[] z, float[] dy, int rows, int cols, String what,
                                 boolean inPlace) {
        int n = rows * cols;
        double[] y = new double[n];
        for (int i = 0; i < n; i++) {
            y[i] = (float) Reference.activation(f, z[i]); // the backward is defined on the stored float output
        }
        try (Tensor Z = backend.upload(z, rows, cols); Tensor Y = backend.allocate(rows, cols);
             Tensor DY = backend.upload(dy, rows, cols); Tensor DZ = backend.allocate(rows, cols)) {
            backend.activationForward(f, Z, Y);
            float[] got = Y.toArray();
            Compare.assertClose(f + " forward" + what, got, y, elementwiseRel(), 1e-30, cols);
            double[] dz = new double[n];
            for (int i = 0; i < n; i++) {
                dz[i] = Reference.activationBackward(f, got[i], dy[i]);
            }
            backend.activationBackward(f, Y, DY, DZ);
            Compare.assertClose(f + " backward" + what, DZ.toArray(), dz, 4 * U, 1e-30, cols);
            if (inPlace) { // y may be z, dz may be dy
                backend.activationForward(f, Z, Z);
                assertArrayEquals(got, Z.toArray(), f + " forward in place");
                backend.activationBackward(f, Y, DY, DY);
                assertArrayEquals(DZ.toArray(), DY.toArray(), f + " backward in place");
            }
        }
    }

    @Test
    void activationsNeverProduceNaNAtExtremes() {
        float[] z = {90f, -90f, 1e4f, -1e4f, 1e30f, -1e30f, Float.MAX_VALUE, -Float.MAX_VALUE};
        for (Activation f : Activation.values()) {
            try (Tensor Z = backend.upload(z, 1, z.length); Tensor Y = backend.allocate(1, z.length)) {
                backend.activationForward(f, Z, Y);
                float[] y = Y.toArray();
                for (int i = 0; i < y.length; i++) {
                    assertTrue(!Float.isNaN(y[i]), f + "(" + z[i] + ") is NaN");
                    if (f == Activation.SIGMOID) {
                        assertEquals(z[i] > 0 ? 1f : 0f, y[i], 1e-30f, "sigmoid(" + z[i] + ")");
                    }
                    if (f == Activation.TANH) {
                        assertEquals(z[i] > 0 ? 1f : -1f, y[i], 0f, "tanh(" + z[i] + ")");
                    }
                }
            }
        }
    }

    // ---- softmax ----

    @Test
    void softmaxRowsMatchesReferenceIncludingExtremesAndEqualRows() {
        for (int cols : new int[] {1, 2, 7, 93, 144, 4097}) {
            int rows = cols == 4097 ? 5 : 37;
            float[] z = random(new Random(cols), rows * cols, 8);
            for (int j = 0; j < cols; j++) {
                z[j] = 3.25f;                                     // a row of equal values
                z[cols + j] = j % 2 == 0 ? 1e4f : -1e4f;          // huge logits
                z[2 * cols + j] = j == cols / 2 ? 90f : -90f;     // one dominant
                z[3 * cols + j] = j == 0 ? 1e30f : -1e30f;
            }
            double[] expected = Reference.softmax(z, rows, cols);
            try (Tensor Z = backend.upload(z, rows, cols); Tensor Y = backend.allocate(rows, cols)) {
                backend.softmaxRows(Z, Y);
                Compare.assertClose("softmax cols=" + cols, Y.toArray(), expected, 8 * U * Math.sqrt(cols) + 8 * U,
                        1e-30, cols);
                backend.softmaxRows(Z, Z);
                assertArrayEquals(Y.toArray(), Z.toArray(), "softmax in place");
            }
        }
    }

    // ---- losses ----

    @ParameterizedTest
    @EnumSource(Loss.class)
    void lossAndGradientMatchReference(Loss loss) {
        for (int[] shape : new int[][] {{1, 1}, {7, 3}, {93, 10}, {144, 1}, {5, 4097}, {4097, 2}}) {
            int rows = shape[0];
            int cols = loss == Loss.SOFTMAX_CROSS_ENTROPY && shape[1] == 1 ? 2 : shape[1];
            checkLoss(loss, rows, cols, false);
        }
    }

    @ParameterizedTest
    @EnumSource(value = Loss.class, names = {"SIGMOID_BINARY_CROSS_ENTROPY", "SOFTMAX_CROSS_ENTROPY"})
    void classificationLossesAreFiniteAndCorrectAtExtremeLogits(Loss loss) {
        checkLoss(loss, 16, 6, true);
    }

    private void checkLoss(Loss loss, int rows, int cols, boolean extreme) {
        Random r = new Random(rows * 131L + cols + loss.ordinal());
        int n = rows * cols;
        float[] z = random(r, n, loss == Loss.POISSON ? 3 : 6);
        if (extreme) {
            float[] ext = {90f, -90f, 1e4f, -1e4f, 1e30f, -1e30f};
            for (int i = 0; i < n; i++) {
                z[i] = ext[(i + i / cols) % ext.length];
            }
            for (int j = 0; j < cols; j++) {
                z[j] = 7f; // a row of equal values
            }
        }
        float[] t;
        if (loss.targetsAreClassIndices()) {
            t = new float[rows];
            for (int i = 0; i < rows; i++) {
                t[i] = r.nextInt(cols);
            }
        } else {
            t = new float[n];
            for (int i = 0; i < n; i++) {
                t[i] = switch (loss) {
                    case SIGMOID_BINARY_CROSS_ENTROPY -> r.nextBoolean() ? 1f : (i % 5 == 0 ? 0.25f : 0f);
                    case POISSON -> r.nextInt(6);
                    default -> (float) r.nextGaussian();
                };
            }
        }
        checkLossAgainstReference(loss, z, t, rows, cols, rows + "x" + cols);
    }

    @Test
    void lossRejectsTargetsOfTheWrongShape() {
        try (Tensor z = backend.allocate(4, 3); Tensor t = backend.allocate(4, 2); Tensor l = backend.allocate(4, 1)) {
            ShapeMismatchException e = assertThrows(ShapeMismatchException.class,
                    () -> backend.lossForwardBackward(Loss.SQUARED_ERROR, z, t, null, l, 1f));
            assertArrayEquals(new int[] {4, 3}, e.expected());
            assertArrayEquals(new int[] {4, 2}, e.actual());
        }
    }

    // ---- vector algebra ----

    @ParameterizedTest
    @MethodSource("shapes")
    void axpyScaleDotNorm(int rows, int cols) {
        Random r = new Random(rows * 3L + cols * 5L);
        int n = rows * cols;
        float[] x = random(r, n, 3);
        float[] y = random(r, n, 3);
        double[] axpy = new double[n];
        double[] scaled = new double[n];
        double dot = 0;
        double dotBound = 0;
        double sq = 0;
        for (int i = 0; i < n; i++) {
            axpy[i] = -1.25 * x[i] + y[i];
            scaled[i] = 0.5f * x[i];
            dot += (double) x[i] * y[i];
            dotBound += Math.abs((double) x[i] * y[i]);
            sq += (double) x[i] * x[i];
        }
        try (Tensor X = backend.upload(x, rows, cols); Tensor Y = backend.upload(y, rows, cols)) {
            double d = backend.dot(X, Y);
            assertEquals(dot, d, 4 * U * Math.sqrt(n) * dotBound + 1e-30, "dot");
            assertEquals(Math.sqrt(sq), backend.norm2(X), 4 * U * Math.sqrt(n) * Math.sqrt(sq) + 1e-30, "norm2");
            backend.axpy(-1.25f, X, Y);
            Compare.assertClose("axpy", Y.toArray(), axpy, 2 * U, 2 * U * 4, cols);
            backend.scale(0.5f, X);
            Compare.assertClose("scale", X.toArray(), scaled, 0, 0, cols);
        }
    }

    // ---- optimizer updates ----

    @Test
    void sgdUpdateMatchesReference() {
        for (boolean nesterov : new boolean[] {false, true}) {
            for (float momentum : new float[] {0f, 0.9f}) {
                int rows = 93;
                int cols = 7;
                int n = rows * cols;
                Random r = new Random(11);
                float[] p = random(r, n, 1);
                double[] pe = Compare.toDouble(p);
                double[] ve = new double[n];
                try (Tensor P = backend.upload(p, rows, cols); Tensor G = backend.allocate(rows, cols);
                     Tensor V = backend.allocate(rows, cols)) {
                    for (int step = 0; step < 3; step++) {
                        float[] g = random(r, n, 1);
                        backend.upload(g, 0, G);
                        backend.sgdUpdate(P, G, momentum == 0 ? null : V, 0.1f, momentum, nesterov);
                        for (int i = 0; i < n; i++) {
                            ve[i] = momentum * ve[i] + g[i];
                            double s = momentum == 0 ? g[i] : (nesterov ? g[i] + momentum * ve[i] : ve[i]);
                            pe[i] -= 0.1 * s;
                        }
                    }
                    Compare.assertClose("sgd momentum=" + momentum + " nesterov=" + nesterov, P.toArray(), pe,
                            16 * U, 16 * U, cols);
                }
            }
        }
    }

    @Test
    void adamUpdateMatchesReference() {
        for (float wd : new float[] {0f, 0.01f}) {
            int rows = 144;
            int cols = 7;
            int n = rows * cols;
            Random r = new Random(5);
            float[] p = random(r, n, 1);
            double[] pe = Compare.toDouble(p);
            double[] me = new double[n];
            double[] vv = new double[n];
            double lr = 1e-2;
            double b1 = 0.9;
            double b2 = 0.999;
            double eps = 1e-8;
            try (Tensor P = backend.upload(p, rows, cols); Tensor G = backend.allocate(rows, cols);
                 Tensor M = backend.allocate(rows, cols); Tensor V = backend.allocate(rows, cols)) {
                for (int step = 1; step <= 4; step++) {
                    float[] g = random(r, n, 1);
                    g[0] = 0f; // a zero gradient must not divide by zero
                    backend.upload(g, 0, G);
                    backend.adamUpdate(P, G, M, V, (float) lr, (float) b1, (float) b2, (float) eps, wd, step);
                    for (int i = 0; i < n; i++) {
                        pe[i] -= lr * wd * pe[i];
                        me[i] = b1 * me[i] + (1 - b1) * g[i];
                        vv[i] = b2 * vv[i] + (1 - b2) * g[i] * g[i];
                        double mh = me[i] / (1 - Math.pow(b1, step));
                        double vh = vv[i] / (1 - Math.pow(b2, step));
                        pe[i] -= lr * mh / (Math.sqrt(vh) + eps);
                    }
                }
                Compare.assertClose("adam wd=" + wd, P.toArray(), pe, 64 * U, 1e-6, cols);
            }
        }
    }

    // ---- NaN and ±Inf: every operation gives the IEEE result of its documented formula (as PyTorch) ----

    private static final float NAN = Float.NaN;
    private static final float INF = Float.POSITIVE_INFINITY;
    /** NaN, ±Inf, signed zeros and moderate finite values (no finite overflow: only the specials are non-finite). */
    private static final float[] SPECIALS = {NAN, INF, -INF, 0f, -0f, 1.5f, -2.25f, 7f, -7f};

    /** Every pair of SPECIALS: first[i] = a, second[i] = b, over all (a, b). */
    private static float[][] pairs(float[] a, float[] b) {
        float[][] out = new float[2][a.length * b.length];
        for (int i = 0; i < a.length; i++) {
            for (int j = 0; j < b.length; j++) {
                out[0][i * b.length + j] = a[i];
                out[1][i * b.length + j] = b[j];
            }
        }
        return out;
    }

    /** Finite values of either sign, never zero (so that a product with ±Inf is ±Inf in every implementation). */
    private static float[] nonZero(Random r, int n) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) ((0.5 + 0.5 * r.nextDouble()) * (r.nextBoolean() ? 1 : -1));
        }
        return x;
    }

    /** The first, a middle and the last of n indices: the ends and the middle of every reduction tree. */
    private static int[] spread(int n) {
        return new int[] {0, n / 2, n - 1};
    }

    @ParameterizedTest
    @EnumSource(Activation.class)
    void activationsGiveIeeeResultsForNaNAndInf(Activation f) {
        float[][] p = pairs(SPECIALS, SPECIALS); // every special input z with every special gradient dy
        checkActivation(f, p[0], p[1], 1, p[0].length, " of NaN/Inf", true);
    }

    /** Rows with NaN, +Inf or -Inf at the first, a middle or the last column, and rows of specials only. */
    private static float[] specialRows(int rows, int cols, long seed) {
        float[] z = random(new Random(seed), rows * cols, 4);
        float[] specials = {NAN, INF, -INF};
        int r = 0;
        for (float v : specials) {
            for (int c : spread(cols)) {
                z[r++ * cols + c] = v;
            }
        }
        for (int j = 0; j < cols; j++) {
            z[r * cols + j] = -INF;                               // every logit -Inf
            z[(r + 1) * cols + j] = j % 2 == 0 ? INF : -INF;      // +Inf beside -Inf
        }
        return z;
    }

    private static final int SPECIAL_ROWS = 3 * 3 + 2 + 2; // two ordinary rows at the end

    @Test
    void softmaxGivesIeeeResultsForNaNAndInf() {
        for (int cols : new int[] {1, 3, 93, 300, 4097}) {
            float[] z = specialRows(SPECIAL_ROWS, cols, cols);
            double[] expected = Reference.softmax(z, SPECIAL_ROWS, cols);
            try (Tensor Z = backend.upload(z, SPECIAL_ROWS, cols); Tensor Y = backend.allocate(SPECIAL_ROWS, cols)) {
                backend.softmaxRows(Z, Y);
                Compare.assertClose("softmax of NaN/Inf rows, cols=" + cols, Y.toArray(), expected,
                        8 * U * Math.sqrt(cols) + 8 * U, 1e-30, cols);
            }
        }
    }

    /** Targets for the element-wise losses: NaN, ±Inf and values the loss expects. */
    private static float[] specialTargets(Loss loss) {
        return switch (loss) {
            case SIGMOID_BINARY_CROSS_ENTROPY -> new float[] {NAN, INF, -INF, 0f, 1f, 0.25f};
            case POISSON -> new float[] {NAN, INF, 0f, 3f};
            default -> new float[] {NAN, INF, -INF, 0f, 2.5f};
        };
    }

    @ParameterizedTest
    @EnumSource(value = Loss.class, names = "SOFTMAX_CROSS_ENTROPY", mode = EnumSource.Mode.EXCLUDE)
    void elementwiseLossesGiveIeeeResultsForNaNAndInf(Loss loss) {
        // Row r holds one (logit, target) pair of specials at column r % cols among ordinary values, so that every
        // pair meets the row reduction at a different place.
        float[][] p = pairs(SPECIALS, specialTargets(loss));
        int rows = p[0].length;
        for (int cols : new int[] {1, 37, 300}) {
            Random r = new Random(cols + loss.ordinal());
            float[] z = random(r, rows * cols, 3);
            float[] t = new float[rows * cols];
            for (int i = 0; i < t.length; i++) {
                t[i] = loss == Loss.SIGMOID_BINARY_CROSS_ENTROPY ? (r.nextBoolean() ? 1f : 0f) : r.nextInt(4);
            }
            for (int i = 0; i < rows; i++) {
                z[i * cols + i % cols] = p[0][i];
                t[i * cols + i % cols] = p[1][i];
            }
            checkLossAgainstReference(loss, z, t, rows, cols, "of NaN/Inf, cols=" + cols);
        }
    }

    @Test
    void softmaxCrossEntropyGivesIeeeResultsForNaNAndInf() {
        for (int cols : new int[] {3, 93, 300}) {
            float[] z = specialRows(SPECIAL_ROWS, cols, cols + 1);
            float[] t = new float[SPECIAL_ROWS];
            for (int i = 0; i < SPECIAL_ROWS; i++) {
                t[i] = (i * 7) % cols; // the target is sometimes the special logit, sometimes not
            }
            checkLossAgainstReference(Loss.SOFTMAX_CROSS_ENTROPY, z, t, SPECIAL_ROWS, cols,
                    "of NaN/Inf, cols=" + cols);
        }
        for (float bad : new float[] {NAN, INF, -INF}) {
            try (Tensor Z = backend.allocate(3, 4); Tensor T = backend.upload(new float[] {1, bad, 2}, 3, 1);
                 Tensor L = backend.allocate(3, 1)) {
                IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                        () -> backend.lossForwardBackward(Loss.SOFTMAX_CROSS_ENTROPY, Z, T, null, L, 1f));
                assertTrue(e.getMessage().contains("row 1"), e.getMessage());
            }
        }
    }

    /**
     * Row losses and gradients against the reference in double (NaN and ±Inf exactly), then the loss alone, without
     * a gradient, which must give the same bits.
     */
    private void checkLossAgainstReference(Loss loss, float[] z, float[] t, int rows, int cols, String what) {
        int n = rows * cols;
        float scale = 1f / rows;
        double[] rowLoss = new double[rows];
        double[] rowTol = new double[rows];
        double[] grad = new double[n];
        double[] gradTol = new double[n];
        for (int i = 0; i < rows; i++) {
            if (loss == Loss.SOFTMAX_CROSS_ENTROPY) {
                int c = (int) t[i];
                rowLoss[i] = Reference.softmaxCrossEntropyRow(z, i * cols, cols, c);
                double max = 0; // the largest finite logit: log-sum-exp's round-off scales with it
                for (int j = 0; j < cols; j++) {
                    double a = Math.abs(z[i * cols + j]);
                    max = Double.isFinite(a) ? Math.max(max, a) : max;
                }
                rowTol[i] = 16 * U * (Math.abs(rowLoss[i]) + max + Math.log(cols)) + 1e-30;
                double[] p = Reference.softmax(java.util.Arrays.copyOfRange(z, i * cols, (i + 1) * cols), 1, cols);
                for (int j = 0; j < cols; j++) {
                    grad[i * cols + j] = scale * (p[j] - (j == c ? 1 : 0));
                    gradTol[i * cols + j] = 16 * U * Math.abs(grad[i * cols + j]) + 4 * U * scale;
                }
            } else {
                double bound = 0;
                for (int j = 0; j < cols; j++) {
                    double zz = z[i * cols + j];
                    double tt = t[i * cols + j];
                    double v = Reference.loss(loss, zz, tt);
                    double fz = Reference.outputOf(loss, zz);
                    rowLoss[i] += v;
                    bound += Math.abs(v) + Math.abs(zz * tt) + Math.abs(fz);
                    grad[i * cols + j] = scale * (fz - tt);
                    // 16 ulps of the gradient, plus a few ulps of f(z) and t: f(z) - t cancels when f(z) ≈ t
                    gradTol[i * cols + j] = 16 * U * Math.abs(grad[i * cols + j])
                            + 4 * U * scale * Math.max(1.0, Math.abs(fz) + Math.abs(tt));
                }
                rowTol[i] = 8 * U * Math.sqrt(cols) * bound + 1e-30;
            }
        }
        try (Tensor Z = backend.upload(z, rows, cols);
             Tensor T = backend.upload(t, rows, loss.targetsAreClassIndices() ? 1 : cols);
             Tensor G = backend.allocate(rows, cols); Tensor L = backend.allocate(rows, 1)) {
            backend.lossForwardBackward(loss, Z, T, G, L, scale);
            float[] l = L.toArray();
            Compare.assertClose(loss + " row losses " + what, l, rowLoss, rowTol, 1);
            Compare.assertClose(loss + " gradient " + what, G.toArray(), grad, gradTol, cols);
            backend.fill(L, 0f);
            backend.lossForwardBackward(loss, Z, T, null, L, scale);
            assertArrayEquals(l, L.toArray(), loss + " loss without gradient " + what);
        }
    }

    @Test
    void gemmGivesIeeeResultsForNaNAndInf() {
        int m = 9;
        int n = 6;
        int k = 93;
        for (boolean ta : new boolean[] {false, true}) {
            for (boolean tb : new boolean[] {false, true}) {
                Random r = new Random(k + (ta ? 1 : 0) + (tb ? 2 : 0));
                float[] a = nonZero(r, m * k); // op(A)[i, p] at ta ? a[p * m + i] : a[i * k + p]
                float[] b = nonZero(r, k * n); // op(B)[p, j] at tb ? b[j * k + p] : b[p * n + j]
                float[] c = nonZero(r, m * n);
                float[][] rowsOfA = {{NAN}, {INF}, {-INF}, {INF, -INF}, {INF, INF}};
                for (int i = 0; i < rowsOfA.length; i++) {
                    for (int s = 0; s < rowsOfA[i].length; s++) {
                        int p = (17 * i + 41 * s) % k;
                        a[ta ? p * m + i : i * k + p] = rowsOfA[i][s];
                    }
                }
                int p0 = 5;
                b[tb ? 0 * k + p0 : p0 * n] = NAN;        // column 0 of C: NaN
                b[tb ? 1 * k + p0 : p0 * n + 1] = -INF;   // column 1 of C: ±Inf, or NaN where A's row holds Inf
                c[(m - 1) * n + n - 1] = NAN;              // only seen when beta != 0
                c[(m - 2) * n + n - 1] = -INF;
                checkGemm(ta, tb, 1f, a, ta ? k : m, ta ? m : k, b, tb ? n : k, tb ? k : n, 0f, c, m, n, k);
                checkGemm(ta, tb, -0.75f, a, ta ? k : m, ta ? m : k, b, tb ? n : k, tb ? k : n, 1.5f, c, m, n, k);
            }
        }
    }

    @Test
    void columnSumsAndAddRowVectorGiveIeeeResultsForNaNAndInf() {
        int cols = 6;
        for (int rows : new int[] {1, 7, 300, 4097}) {
            Random r = new Random(rows);
            float[] x = random(r, rows * cols, 2);
            int[] at = spread(rows);
            x[at[0] * cols] = NAN;                                   // column 0: NaN
            x[at[1] * cols + 1] = INF;                               // column 1: +Inf
            x[at[2] * cols + 2] = -INF;                              // column 2: -Inf
            x[at[0] * cols + 3] = INF;                               // column 3: +Inf and -Inf (NaN unless one row)
            x[at[2] * cols + 3] = -INF;
            x[at[1] * cols + 5] = NAN;                               // column 5: NaN and +Inf
            x[at[2] * cols + 5] = INF;                               // column 4 stays finite
            float[] bias = {1f, NAN, INF, -INF, -INF, 2f};
            double[] sums = new double[cols];
            double[] sumTol = new double[cols];
            double[] added = new double[rows * cols];
            for (int i = 0; i < rows; i++) {
                for (int j = 0; j < cols; j++) {
                    sums[j] += x[i * cols + j];
                    sumTol[j] += 4 * U * Math.sqrt(rows) * Math.abs(x[i * cols + j]);
                    added[i * cols + j] = (double) x[i * cols + j] + bias[j];
                }
            }
            try (Tensor X = backend.upload(x, rows, cols); Tensor B = backend.upload(bias, 1, cols);
                 Tensor S = backend.allocate(1, cols)) {
                backend.columnSums(X, S);
                Compare.assertClose("columnSums of NaN/Inf, rows=" + rows, S.toArray(), sums, sumTol, cols);
                backend.addRowVector(X, B);
                Compare.assertClose("addRowVector of NaN/Inf, rows=" + rows, X.toArray(), added, U, 0, cols);
            }
        }
    }

    @Test
    void axpyScaleDotNormGiveIeeeResultsForNaNAndInf() {
        float[][] variants = {{NAN}, {INF}, {-INF}, {INF, -INF}};
        for (int n : new int[] {7, 4097, 70000}) {
            for (float[] specials : variants) {
                Random r = new Random(n + specials.length);
                float[] x = nonZero(r, n);
                float[] y = nonZero(r, n);
                int[] at = spread(n);
                for (int s = 0; s < specials.length; s++) {
                    x[at[s]] = specials[s];
                }
                y[at[2]] = specials[0]; // y holds one too, where x may or may not
                String what = java.util.Arrays.toString(specials) + " n=" + n;
                double dot = 0;
                double sq = 0;
                double[] axpy = new double[n];
                double[] scaled = new double[n];
                double[] zeroed = new double[n];
                for (int i = 0; i < n; i++) {
                    dot += (double) x[i] * y[i];
                    sq += (double) x[i] * x[i];
                    axpy[i] = -1.25 * x[i] + y[i];
                    scaled[i] = 0.5 * x[i];
                    zeroed[i] = 0.0 * x[i]; // 0·Inf and 0·NaN are NaN: scaling by 0 is not a fill
                }
                try (Tensor X = backend.upload(x, 1, n); Tensor Y = backend.upload(y, 1, n)) {
                    assertIeee("dot " + what, dot, backend.dot(X, Y));
                    assertIeee("norm2 " + what, Math.sqrt(sq), backend.norm2(X));
                    backend.axpy(-1.25f, X, Y);
                    Compare.assertClose("axpy " + what, Y.toArray(), axpy, 2 * U, 8 * U, n);
                    backend.copy(X, Y);
                    backend.scale(0.5f, X);
                    Compare.assertClose("scale " + what, X.toArray(), scaled, 0, 0, n);
                    backend.scale(0f, Y);
                    Compare.assertClose("scale by 0 " + what, Y.toArray(), zeroed, 0, 0, n);
                }
            }
        }
    }

    /** A non-finite expected value exactly (NaN for NaN, the same infinity); a finite one as close as a sum can be. */
    private static void assertIeee(String what, double expected, double actual) {
        if (Double.isNaN(expected) || Double.isInfinite(expected)) {
            assertEquals(expected, actual, 0.0, what);
        } else {
            assertEquals(expected, actual, 1e-5 * Math.abs(expected), what);
        }
    }

    @Test
    void optimizerUpdatesGiveIeeeResultsForNaNAndInf() {
        float[][] p = pairs(SPECIALS, SPECIALS); // parameter x gradient
        int n = p[0].length;
        float lr = 0.1f;
        for (boolean nesterov : new boolean[] {false, true}) {
            for (float momentum : new float[] {0f, 0.9f}) {
                float[] v0 = new float[n];
                for (int i = 0; i < n; i++) {
                    v0[i] = SPECIALS[(i * 5) % SPECIALS.length]; // the velocity holds specials too
                }
                double[] pe = new double[n];
                double[] ve = new double[n];
                for (int i = 0; i < n; i++) {
                    double g = p[1][i];
                    double v = momentum * (double) v0[i] + g;
                    double step = momentum == 0 ? g : (nesterov ? g + momentum * v : v);
                    pe[i] = p[0][i] - lr * step;
                    ve[i] = momentum == 0 ? v0[i] : v;
                }
                try (Tensor P = backend.upload(p[0], 1, n); Tensor G = backend.upload(p[1], 1, n);
                     Tensor V = backend.upload(v0, 1, n)) {
                    backend.sgdUpdate(P, G, V, lr, momentum, nesterov);
                    String what = "sgd of NaN/Inf momentum=" + momentum + " nesterov=" + nesterov;
                    Compare.assertClose(what, P.toArray(), pe, 16 * U, 16 * U, n);
                    Compare.assertClose(what + " velocity", V.toArray(), ve, 16 * U, 16 * U, n);
                }
            }
        }
        for (float wd : new float[] {0f, 0.01f}) {
            double b1 = 0.9f; // the float hyperparameters exactly, so that 1 - b1 is what a backend computes
            double b2 = 0.999f;
            double eps = 1e-8f;
            double[] pe = new double[n];
            double[] me = new double[n];
            double[] vv = new double[n];
            for (int i = 0; i < n; i++) {
                double g = p[1][i];
                me[i] = (1 - b1) * g;
                vv[i] = (1 - b2) * g * g;
                double q = p[0][i];
                q -= lr * wd * q;
                pe[i] = q - lr * (me[i] / (1 - b1)) / (Math.sqrt(vv[i] / (1 - b2)) + eps);
            }
            try (Tensor P = backend.upload(p[0], 1, n); Tensor G = backend.upload(p[1], 1, n);
                 Tensor M = backend.allocate(1, n); Tensor V = backend.allocate(1, n)) {
                backend.adamUpdate(P, G, M, V, lr, (float) b1, (float) b2, (float) eps, wd, 1);
                Compare.assertClose("adam of NaN/Inf wd=" + wd, P.toArray(), pe, 64 * U, 1e-6, n);
                Compare.assertClose("adam m of NaN/Inf", M.toArray(), me, 4 * U, 1e-30, n);
                Compare.assertClose("adam v of NaN/Inf", V.toArray(), vv, 4 * U, 1e-30, n);
            }
        }
    }

    // ---- ownership ----

    @Test
    void closedTensorsAreRejected() {
        Tensor t = backend.allocate(2, 2);
        t.close();
        t.close(); // harmless
        assertTrue(t.isClosed());
        try (Tensor u = backend.allocate(2, 2)) {
            assertThrows(IllegalStateException.class, () -> backend.copy(t, u));
        }
    }

    @Test
    void closingTheBackendClosesItsTensorsAndRejectsEveryCall() {
        Backend b = BackendTestSupport.openOrSkip(selection());
        Tensor t = b.upload(new float[] {1, 2, 3, 4}, 2, 2);
        Tensor u = b.allocate(2, 2);
        u.close();
        b.close();
        assertTrue(t.isClosed(), "a tensor of a closed backend is closed");
        List<Executable> calls = List.of(() -> b.allocate(1, 1), () -> b.gemm(false, false, 1f, t, t, 0f, t),
                () -> b.fill(t, 1f), t::toArray, () -> b.dot(t, t), () -> b.activationForward(Activation.RELU, t, t),
                b::synchronize);
        for (Executable call : calls) {
            IllegalStateException e = assertThrows(IllegalStateException.class, call);
            assertTrue(e.getMessage().contains(b.instanceName()), "the message names the backend: " + e.getMessage());
        }
        t.close(); // harmless
        b.close(); // harmless
    }

    @Test
    void everyInstanceHasItsOwnNameAndMessagesNameBoth() {
        Backend other = BackendTestSupport.openOrSkip(selection());
        try (Tensor t = other.allocate(2, 2); Tensor u = backend.allocate(2, 2)) {
            assertNotEquals(backend.instanceName(), other.instanceName());
            assertTrue(other.instanceName().startsWith(other.name()), other.instanceName());
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> backend.copy(t, u));
            assertTrue(e.getMessage().contains("belongs to backend " + other.instanceName() + ", not to "
                    + backend.instanceName()), e.getMessage());
        } finally {
            other.close();
        }
    }

    @Test
    void callsFromSeveralThreadsAtOnceEachGetTheirOwnResult() throws Exception {
        int threads = 4;
        int steps = 50;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<float[]>> results = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                float[] x = {t, t + 1, -t, 2 * t, 1, 0, 3};
                results.add(pool.submit(() -> {
                    try (Tensor X = backend.upload(x, 1, x.length); Tensor Y = backend.allocate(1, x.length)) {
                        for (int s = 0; s < steps; s++) {
                            backend.axpy(1f, X, Y);
                        }
                        return Y.toArray();
                    }
                }));
            }
            for (int t = 0; t < threads; t++) {
                float[] expected = {steps * t, steps * (t + 1), -steps * t, steps * 2 * t, steps, 0, steps * 3};
                assertArrayEquals(expected, results.get(t).get(60, TimeUnit.SECONDS), "thread " + t);
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void theDeviceIsDescribedWithoutKnowingTheBackendsClass() {
        DeviceInfo d = backend.device();
        assertTrue(d.id().startsWith(backend.name()), d.id());
        assertTrue(!d.name().isBlank() && !d.details().isBlank(), d.toString());
    }

    @Test
    void supportsFp32() {
        assertTrue(backend.supportedPrecisions().contains(Precision.FP32));
        backend.setPrecision(Precision.FP32);
        assertEquals(Precision.FP32, backend.precision());
    }
}
