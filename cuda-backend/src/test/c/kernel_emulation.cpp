// Runs every kernel of kernels/src/main/cuda/logitnet.cu under cuda_emulation.h with the launch configurations
// CudaBackend uses, and compares with the double-precision formulas of CpuBackend, written again here: on ordinary
// values, extremes, and NaN and ±Inf, whose results must be the IEEE ones (NaN exactly where the reference is NaN,
// the same infinities). See run-kernel-emulation.sh; CudaKernelEmulationTest runs it in the cuda-backend build.
#include "cuda_emulation.h"
#include "../../../../kernels/src/main/cuda/logitnet.cu"

#include <cstdio>
#include <cstring>
#include <cstdlib>
#include <random>

static int failures = 0;
static int checks = 0;

static void expect(bool ok, const char *what, long i, double got, double want) {
    checks++;
    if (!ok) {
        if (failures < 20) {
            std::printf("FAIL %s [%ld]: got %.9g want %.9g\n", what, i, got, want);
        }
        failures++;
    }
}

// NaN only where the reference is NaN, infinities exactly, finite values within rel·|want| + abs.
static bool near(double got, double want, double rel, double abs) {
    if (std::isnan(want) || std::isnan(got)) {
        return std::isnan(want) && std::isnan(got);
    }
    if (std::isinf(want) || std::isinf(got)) {
        return got == (float) want;
    }
    return std::fabs(got - want) <= rel * std::fabs(want) + abs;
}

// The same bits, NaN included (a variant of a kernel that must compute exactly what the kernel computes).
static void identical(const char *what, const std::vector<float> &got, const std::vector<float> &want) {
    for (size_t i = 0; i < got.size(); i++) {
        expect(std::memcmp(&got[i], &want[i], sizeof(float)) == 0, what, (long) i, got[i], want[i]);
    }
}

static void close(const char *what, const std::vector<float> &got, const std::vector<double> &want, double rel,
                  double abs) {
    for (size_t i = 0; i < got.size(); i++) {
        expect(near(got[i], want[i], rel, abs), what, (long) i, got[i], want[i]);
    }
}

// CudaBackend's launch shapes.
static const int BLOCK = 256;
static unsigned grid(long long n) { return (unsigned) std::max(1LL, std::min((n + BLOCK - 1) / BLOCK, 1LL << 16)); }
static unsigned rowBlock(int cols) { return cols <= 32 ? 32 : cols <= 64 ? 64 : cols <= 128 ? 128 : 256; }

static std::vector<float> randoms(std::mt19937 &r, size_t n, double scale) {
    std::uniform_real_distribution<double> u(-scale, scale);
    std::vector<float> v(n);
    for (auto &x : v) {
        x = (float) u(r);
    }
    return v;
}

static const double U = std::ldexp(1.0, -24);
static const float NaN = NAN;
static const float Inf = INFINITY;
// NaN, ±Inf, signed zeros and moderate finite values.
static const std::vector<float> SPECIALS = {NaN, Inf, -Inf, 0.f, -0.f, 1.5f, -2.25f, 7.f, -7.f};

// ---- the CpuBackend formulas, in double ----

static double refSigmoid(double z) { return 1.0 / (1.0 + std::exp(-z)); }
static double refMax(double a, double b) { return std::isnan(a) || std::isnan(b) ? NAN : std::max(a, b); }

static double refActivation(int f, double z) {
    switch (f) {
        case ACTIVATION_SIGMOID: return refSigmoid(z);
        case ACTIVATION_TANH: return std::tanh(z);
        case ACTIVATION_RELU: return refMax(z, 0.0);
        case ACTIVATION_EXP: return std::exp(z);
        default: return z;
    }
}

static double refActivationBackward(int f, double y, double dy) {
    switch (f) {
        case ACTIVATION_SIGMOID: return dy * (y * (1 - y));
        case ACTIVATION_TANH: return dy * (1 - y * y);
        case ACTIVATION_RELU: return y <= 0 ? 0 : dy; // a select, as PyTorch
        case ACTIVATION_EXP: return dy * y;
        default: return dy;
    }
}

static double refLoss(int loss, double z, double t) {
    switch (loss) {
        case LOSS_SIGMOID_BINARY_CROSS_ENTROPY: return refMax(z, 0.0) - z * t + std::log1p(std::exp(-std::fabs(z)));
        case LOSS_POISSON: return std::exp(z) - t * z;
        default: return 0.5 * (z - t) * (z - t);
    }
}

static double refOutput(int loss, double z) {
    return loss == LOSS_SIGMOID_BINARY_CROSS_ENTROPY ? refSigmoid(z) : loss == LOSS_POISSON ? std::exp(z) : z;
}

// Softmax of each row (max subtracted; a NaN anywhere makes the row NaN), into p; logsumexp of each row into lse.
static void refSoftmax(const std::vector<float> &z, int rows, int cols, std::vector<double> &p,
                       std::vector<double> &lse) {
    p.assign((size_t) rows * cols, 0.0);
    lse.assign(rows, 0.0);
    for (int i = 0; i < rows; i++) {
        double max = -INFINITY;
        for (int j = 0; j < cols; j++) {
            max = refMax(max, z[(size_t) i * cols + j]);
        }
        double sum = 0;
        for (int j = 0; j < cols; j++) {
            sum += std::exp(z[(size_t) i * cols + j] - max);
        }
        lse[i] = max + std::log(sum);
        for (int j = 0; j < cols; j++) {
            p[(size_t) i * cols + j] = std::exp(z[(size_t) i * cols + j] - max) / sum;
        }
    }
}

// ---- element-wise ----

static void testElementwise() {
    std::mt19937 r(1);
    for (long long n : {1LL, 7LL, 4097LL * 3, (long long) (SPECIALS.size() * SPECIALS.size())}) {
        bool special = n == (long long) (SPECIALS.size() * SPECIALS.size());
        std::vector<float> z = randoms(r, n, 6);
        std::vector<float> dy = randoms(r, n, 1);
        if (special) { // every pair of specials: z x dy
            for (long long i = 0; i < n; i++) {
                z[i] = SPECIALS[i / SPECIALS.size()];
                dy[i] = SPECIALS[i % SPECIALS.size()];
            }
        } else {
            float ext[] = {0.f, -0.f, 90.f, -90.f, 1e4f, -1e4f, 1e30f, -1e30f, 20.f, -20.f};
            for (long long i = 0; i < n && i < 10; i++) {
                z[(i * 7919) % n] = ext[i];
            }
        }
        for (int f = 0; f < 5; f++) {
            std::vector<float> y(n), dz(n);
            emu_launch(activation_forward, {grid(n)}, {BLOCK}, f, z.data(), y.data(), n);
            std::vector<double> want(n), wantDz(n);
            for (long long i = 0; i < n; i++) {
                want[i] = (float) refActivation(f, z[i]);
                wantDz[i] = refActivationBackward(f, y[i], dy[i]);
            }
            close(special ? "activation_forward NaN/Inf" : "activation_forward", y, want, 0, 0);
            emu_launch(activation_backward, {grid(n)}, {BLOCK}, f, y.data(), dy.data(), dz.data(), n);
            close(special ? "activation_backward NaN/Inf" : "activation_backward", dz, wantDz, U, 1e-30);
        }
    }
}

// ---- bias and column sums ----

static void columnSums(const std::vector<float> &x, int rows, int cols, std::vector<float> &sums) {
    // as CudaBackend.columnSums launches them
    int rowsPerChunk = (int) std::max(256LL, ((long long) rows + 1023) / 1024);
    int chunks = (int) (((long long) rows + rowsPerChunk - 1) / rowsPerChunk);
    std::vector<double> partial((size_t) chunks * cols, -1.0);
    sums.assign(cols, 0.f);
    emu_launch(column_sums_partial, {(unsigned) ((cols + 31LL) / 32), (unsigned) chunks}, {32, 8}, x.data(),
               partial.data(), rows, cols, rowsPerChunk);
    emu_launch(column_sums_finish, {(unsigned) ((cols + BLOCK - 1LL) / BLOCK)}, {BLOCK}, partial.data(),
               sums.data(), chunks, cols);
}

static void testBiasAndColumnSums() {
    std::mt19937 r(2);
    for (int rows : {1, 7, 93, 257, 4097}) {
        for (int cols : {1, 7, 33, 93}) {
            long long n = (long long) rows * cols;
            std::vector<float> x = randoms(r, n, 2);
            std::vector<float> bias = randoms(r, cols, 2);
            bool special = cols == 7;
            if (special) { // NaN, +Inf, -Inf, both infinities and NaN with +Inf, at the first, middle and last row
                int at[] = {0, rows / 2, rows - 1};
                x[(size_t) at[0] * cols] = NaN;
                x[(size_t) at[1] * cols + 1] = Inf;
                x[(size_t) at[2] * cols + 2] = -Inf;
                x[(size_t) at[0] * cols + 3] = Inf;
                x[(size_t) at[2] * cols + 3] = -Inf;
                x[(size_t) at[1] * cols + 5] = NaN;
                x[(size_t) at[2] * cols + 5] = Inf;
                bias = {1.f, NaN, Inf, -Inf, -Inf, 2.f, 0.f};
            }
            std::vector<float> sums;
            columnSums(x, rows, cols, sums);
            std::vector<double> want(cols, 0.0);
            std::vector<double> bound(cols, 0.0);
            for (int i = 0; i < rows; i++) {
                for (int j = 0; j < cols; j++) {
                    want[j] += x[(size_t) i * cols + j];
                    bound[j] += std::fabs(x[(size_t) i * cols + j]);
                }
            }
            for (int j = 0; j < cols; j++) {
                expect(near(sums[j], want[j], 2 * U, 4 * U * std::sqrt(rows) * bound[j]), "column_sums", j, sums[j],
                       want[j]);
            }
            std::vector<double> added(n);
            for (long long i = 0; i < n; i++) {
                added[i] = (float) ((double) x[i] + bias[i % cols]);
            }
            // bias_activation: the bits of add_row_vector then activation_forward, for every activation
            for (int f = 0; f < 5; f++) {
                std::vector<float> fused(n), composed = x;
                emu_launch(bias_activation, {grid(n)}, {BLOCK}, f, x.data(), bias.data(), fused.data(), n, cols);
                emu_launch(add_row_vector, {grid(n)}, {BLOCK}, composed.data(), bias.data(), n, cols);
                emu_launch(activation_forward, {grid(n)}, {BLOCK}, f, composed.data(), composed.data(), n);
                for (long long i = 0; i < n; i++) {
                    expect(std::memcmp(&fused[i], &composed[i], sizeof(float)) == 0
                                   || (std::isnan(fused[i]) && std::isnan(composed[i])),
                           "bias_activation", (long) i, fused[i], composed[i]);
                }
            }
            emu_launch(add_row_vector, {grid(n)}, {BLOCK}, x.data(), bias.data(), n, cols);
            close("add_row_vector", x, added, 0, 0);
        }
    }
}

// ---- softmax and losses ----

static void testSoftmax(std::mt19937 &r, int cols) {
    int rows = 13;
    size_t n = (size_t) rows * cols;
    std::vector<float> z = randoms(r, n, 8);
    int at[] = {0, cols / 2, cols - 1};
    for (int j = 0; j < cols; j++) {
        z[j] = 3.25f;                                 // a row of equal values
        z[cols + j] = j % 2 == 0 ? 1e4f : -1e4f;      // huge logits
        z[2 * cols + j] = j == cols / 2 ? 90.f : -90.f;
        z[3 * cols + j] = j == 0 ? 1e30f : -1e30f;
        z[4 * cols + j] = -Inf;                       // every logit -Inf: NaN
        z[5 * cols + j] = j % 2 == 0 ? Inf : -Inf;    // +Inf beside -Inf: NaN
    }
    for (int k = 0; k < 3; k++) {                     // NaN, +Inf, -Inf at the first, middle and last column
        z[(size_t) (6 + k) * cols + at[k]] = NaN;
        z[(size_t) (9 + k) * cols + at[k]] = k == 1 ? -Inf : Inf;
    }
    std::vector<double> want, lse;
    refSoftmax(z, rows, cols, want, lse);
    std::vector<float> y(n);
    emu_launch(softmax_rows, {(unsigned) rows}, {rowBlock(cols)}, z.data(), y.data(), rows, cols);
    close("softmax_rows", y, want, 8 * U * std::sqrt(cols) + 8 * U, 1e-30);
    std::vector<float> targets(rows), grad(n), loss(rows);
    std::vector<double> wantLoss(rows), wantGrad(n);
    float scale = 1.0f / rows;
    for (int i = 0; i < rows; i++) {
        int c = (i * 5) % cols;
        targets[i] = (float) c;
        wantLoss[i] = lse[i] - z[(size_t) i * cols + c];
        for (int j = 0; j < cols; j++) {
            wantGrad[(size_t) i * cols + j] = scale * (want[(size_t) i * cols + j] - (j == c ? 1 : 0));
        }
    }
    int bad = 0x7fffffff;
    emu_launch(softmax_cross_entropy_rows, {(unsigned) rows}, {rowBlock(cols)}, z.data(), targets.data(),
               grad.data(), loss.data(), scale, rows, cols, &bad);
    close("softmax cross-entropy loss", loss, wantLoss, 16 * U, 16 * U * 1e4);
    close("softmax cross-entropy grad", grad, wantGrad, 16 * U, 4 * U * scale);
    expect(bad == 0x7fffffff, "softmax cross-entropy bad row (none)", 0, bad, 0x7fffffff);
    // in place
    emu_launch(softmax_rows, {(unsigned) rows}, {rowBlock(cols)}, z.data(), z.data(), rows, cols);
    close("softmax_rows in place", z, want, 8 * U * std::sqrt(cols) + 8 * U, 1e-30);
    // a bad label is reported, the smallest bad row wins; NaN and Inf are bad labels
    targets[9] = NaN;
    targets[7] = Inf;
    targets[5] = 0.5f;
    targets[3] = (float) cols;
    emu_launch(softmax_cross_entropy_rows, {(unsigned) rows}, {rowBlock(cols)}, z.data(), targets.data(),
               (float *) nullptr, loss.data(), scale, rows, cols, &bad);
    expect(bad == 3, "softmax cross-entropy bad row", 0, bad, 3);
}

static void testElementwiseLoss(std::mt19937 &r, int loss, int cols) {
    // Row i holds one pair (z, t) of specials at column i % cols among ordinary values, then ordinary rows.
    std::vector<float> tSpecial = loss == LOSS_SIGMOID_BINARY_CROSS_ENTROPY ? std::vector<float>{NaN, Inf, -Inf, 0, 1, .25f}
                                  : loss == LOSS_POISSON ? std::vector<float>{NaN, Inf, 0, 3}
                                                         : std::vector<float>{NaN, Inf, -Inf, 0, 2.5f};
    int pairs = (int) (SPECIALS.size() * tSpecial.size());
    int rows = pairs + 6;
    size_t n = (size_t) rows * cols;
    std::vector<float> z = randoms(r, n, loss == LOSS_POISSON ? 3 : 6);
    std::vector<float> t(n);
    std::uniform_int_distribution<int> k(0, 5);
    for (size_t i = 0; i < n; i++) {
        t[i] = loss == LOSS_SIGMOID_BINARY_CROSS_ENTROPY ? (i % 3 == 0 ? 1.f : i % 5 == 0 ? 0.25f : 0.f)
               : loss == LOSS_POISSON ? (float) k(r) : (float) (k(r) - 2.5);
    }
    for (int i = 0; i < pairs; i++) {
        z[(size_t) i * cols + i % cols] = SPECIALS[i / tSpecial.size()];
        t[(size_t) i * cols + i % cols] = tSpecial[i % tSpecial.size()];
    }
    if (loss == LOSS_SIGMOID_BINARY_CROSS_ENTROPY) {
        float ext[] = {90.f, -90.f, 1e4f, -1e4f, 1e30f, -1e30f};
        for (size_t i = 0; i < 6 && i < (size_t) cols; i++) {
            z[(size_t) pairs * cols + i] = ext[i];
        }
    }
    std::vector<float> grad(n), rowLoss(rows);
    float scale = 1.0f / rows;
    emu_launch(loss_rows, {(unsigned) rows}, {rowBlock(cols)}, loss, z.data(), t.data(), grad.data(),
               rowLoss.data(), scale, rows, cols);
    std::vector<double> wantLoss(rows, 0.0), wantGrad(n), bound(rows, 0.0);
    for (int i = 0; i < rows; i++) {
        for (int j = 0; j < cols; j++) {
            double zz = z[(size_t) i * cols + j];
            double tt = t[(size_t) i * cols + j];
            double v = refLoss(loss, zz, tt);
            double p = refOutput(loss, zz);
            wantLoss[i] += v;
            bound[i] += std::fabs(v) + std::fabs(zz * tt) + std::fabs(p);
            wantGrad[(size_t) i * cols + j] = scale * (p - tt);
        }
    }
    for (int i = 0; i < rows; i++) {
        expect(near(rowLoss[i], wantLoss[i], 0, 8 * U * std::sqrt(cols) * bound[i] + 1e-30), "row loss",
               loss * 100000 + i, rowLoss[i], wantLoss[i]);
    }
    close("loss gradient", grad, wantGrad, 16 * U, 4 * U * scale);
}

static void testSoftmaxAndLosses() {
    std::mt19937 r(3);
    for (int cols : {1, 2, 7, 93, 144, 300}) {
        testSoftmax(r, cols);
    }
    for (int loss : {LOSS_SIGMOID_BINARY_CROSS_ENTROPY, LOSS_SQUARED_ERROR, LOSS_POISSON}) {
        for (int cols : {1, 3, 10, 37, 300}) { // 300: more columns than threads in a block
            testElementwiseLoss(r, loss, cols);
        }
    }
}

// ---- vectors and optimizers ----

static void testVectors() {
    std::mt19937 r(4);
    for (long long n : {1LL, 7LL, 4097LL, 93LL * 144, 70000LL}) {
        // ordinary, NaN, +Inf, +Inf with -Inf (the large sizes only ordinary: every fiber switch is a system call)
        for (int variant = 0; variant < (n > 5000 ? 1 : 4); variant++) {
            std::vector<float> x = randoms(r, n, 3), y = randoms(r, n, 3);
            if (variant > 0) {
                x[0] = variant == 1 ? NaN : Inf;
                x[n - 1] = variant == 3 ? -Inf : x[n - 1];
                y[n / 2] = variant == 1 ? NaN : Inf;
            }
            int blocks = (int) std::min<long long>(grid(n), 1024);
            std::vector<double> partial(blocks), result(1);
            emu_launch(dot_partial, {(unsigned) blocks}, {BLOCK}, x.data(), y.data(), partial.data(), n);
            emu_launch(sum_partials, {1}, {BLOCK}, partial.data(), result.data(), blocks);
            double want = 0, bound = 0;
            for (long long i = 0; i < n; i++) {
                want += (double) x[i] * y[i];
                bound += std::fabs((double) x[i] * y[i]);
            }
            expect(near(result[0], want, 0, 4 * U * std::sqrt((double) n) * bound + 1e-30), "dot", n, result[0], want);
            std::vector<double> ax(n), sc(n), zero(n);
            for (long long i = 0; i < n; i++) {
                ax[i] = (float) (-1.25f * x[i]) + y[i];
                sc[i] = 0.5f * x[i];
                zero[i] = 0.0f * x[i];
            }
            std::vector<float> x0 = x;
            emu_launch(axpy, {grid(n)}, {BLOCK}, -1.25f, x.data(), y.data(), n);
            close("axpy", y, ax, U, 0);
            emu_launch(scale, {grid(n)}, {BLOCK}, 0.5f, x.data(), n);
            close("scale", x, sc, 0, 0);
            emu_launch(scale, {grid(n)}, {BLOCK}, 0.0f, x0.data(), n);
            close("scale by 0", x0, zero, 0, 0);
        }
    }
}

// round_bf16 against the nearest bfloat16 by distance (ties to the even one), on every 65521st bit pattern, the ties
// around 1, the largest finite values and the specials; NaN must stay NaN.
static void testRoundBf16() {
    std::vector<float> x;
    for (unsigned long long b = 0; b < (1ULL << 32); b += 65521) {
        unsigned int u = (unsigned int) b;
        float f;
        std::memcpy(&f, &u, 4);
        x.push_back(f);
    }
    for (unsigned int u : {0x3f808000u, 0x3f818000u, 0x3f807fffu, 0x3f808001u, 0x7f7fffffu, 0x7f7f7fffu, 0x7f7f8000u,
                           0xff7fffffu, 0x7f800000u, 0xff800000u, 0x7f800001u, 0xffc00000u, 0x00000001u, 0x80000000u}) {
        float f;
        std::memcpy(&f, &u, 4);
        x.push_back(f);
    }
    long long n = (long long) x.size();
    std::vector<unsigned short> y(n);
    emu_launch(round_bf16, {grid(n)}, {BLOCK}, x.data(), y.data(), n);
    for (long long i = 0; i < n; i++) {
        unsigned int bits = (unsigned int) y[i] << 16, in;
        float got, lo, hi;
        std::memcpy(&got, &bits, 4);
        std::memcpy(&in, &x[i], 4);
        if (std::isnan(x[i]) || std::isinf(x[i])) {
            expect(std::isnan(x[i]) ? std::isnan(got) : got == x[i], "round_bf16 special", (long) i, got, x[i]);
            continue;
        }
        unsigned int l = in & 0xffff0000u, h = l + 0x10000u;
        std::memcpy(&lo, &l, 4);
        std::memcpy(&hi, &h, 4);
        // past the largest finite bfloat16 the next step is the infinity: its distance is that to 2^128
        double dh = std::isinf(hi) ? std::fabs(std::ldexp(std::copysign(1.0, x[i]), 128) - x[i]) : std::fabs((double) hi - x[i]);
        double dl = std::fabs((double) lo - x[i]);
        float want = dl < dh ? lo : dh < dl ? hi : ((l >> 16) & 1u) == 0 ? lo : hi;
        expect(got == want || (got == 0 && want == 0), "round_bf16", (long) i, got, want);
    }
}

static void testOptimizers() {
    std::mt19937 r(5);
    long long n = 93 * 7;
    for (bool special : {false, true}) {
        for (int nesterov = 0; nesterov < 2; nesterov++) {
            for (float momentum : {0.f, 0.9f}) {
                std::vector<float> p = randoms(r, n, 1), v(n, 0.f);
                if (special) {
                    for (long long i = 0; i < (long long) SPECIALS.size(); i++) {
                        p[i] = SPECIALS[i];
                        v[n - 1 - i] = SPECIALS[i];
                    }
                }
                std::vector<double> pe(p.begin(), p.end()), ve(v.begin(), v.end());
                for (int step = 0; step < 3; step++) {
                    std::vector<float> g = randoms(r, n, 1);
                    if (special) {
                        g[n / 2 + step] = SPECIALS[step];
                    }
                    // the CUDA-graph variant, the learning rate read from memory, on copies: the same bits
                    std::vector<float> p2 = p, v2 = v;
                    double s[1] = {0.1f};
                    emu_launch(sgd_update_step_scalars, {grid(n)}, {BLOCK}, p2.data(), g.data(),
                               momentum == 0 ? nullptr : v2.data(), (const double *) s, momentum, nesterov, n);
                    emu_launch(sgd_update, {grid(n)}, {BLOCK}, p.data(), g.data(), momentum == 0 ? nullptr : v.data(),
                               0.1f, momentum, nesterov, n);
                    identical(special ? "sgd_update_step_scalars NaN/Inf" : "sgd_update_step_scalars", p2, p);
                    identical("sgd_update_step_scalars velocity", v2, v);
                    for (long long i = 0; i < n; i++) {
                        if (momentum != 0) {
                            ve[i] = momentum * ve[i] + g[i];
                        }
                        double s = momentum == 0 ? g[i] : (nesterov ? g[i] + momentum * ve[i] : ve[i]);
                        pe[i] -= (double) 0.1f * s;
                    }
                }
                close(special ? "sgd NaN/Inf" : "sgd", p, pe, 16 * U, 16 * U);
            }
        }
        for (float wd : {0.f, 0.01f}) {
            std::vector<float> p = randoms(r, n, 1), m(n, 0.f), v(n, 0.f);
            if (special) {
                for (long long i = 0; i < (long long) SPECIALS.size(); i++) {
                    p[i] = SPECIALS[i];
                }
            }
            std::vector<double> pe(p.begin(), p.end()), me(n, 0.0), vv(n, 0.0);
            double b1 = 0.9f, b2 = 0.999f; // the float hyperparameters exactly
            for (int step = 1; step <= 4; step++) {
                std::vector<float> g = randoms(r, n, 1);
                g[0] = 0.f;
                if (special) {
                    g[n / 2 + step] = SPECIALS[step];
                }
                double c1 = 1.0 - std::pow(b1, step), c2 = 1.0 - std::pow(b2, step);
                std::vector<float> p2 = p, m2 = m, v2 = v;
                double s[3] = {1e-2f, c1, c2};
                emu_launch(adam_update_step_scalars, {grid(n)}, {BLOCK}, p2.data(), g.data(), m2.data(), v2.data(),
                           (const double *) s, 0.9f, 0.999f, 1e-8f, wd, n);
                emu_launch(adam_update, {grid(n)}, {BLOCK}, p.data(), g.data(), m.data(), v.data(), 1e-2f, 0.9f,
                           0.999f, 1e-8f, wd, c1, c2, n);
                identical(special ? "adam_update_step_scalars NaN/Inf" : "adam_update_step_scalars", p2, p);
                identical("adam_update_step_scalars m", m2, m);
                identical("adam_update_step_scalars v", v2, v);
                for (long long i = 0; i < n; i++) {
                    pe[i] -= (double) 1e-2f * wd * pe[i];
                    me[i] = b1 * me[i] + (1 - b1) * g[i];
                    vv[i] = b2 * vv[i] + (1 - b2) * g[i] * g[i];
                    pe[i] -= (double) 1e-2f * (me[i] / c1) / (std::sqrt(vv[i] / c2) + (double) 1e-8f);
                }
            }
            close(special ? "adam NaN/Inf" : "adam", p, pe, 64 * U, 1e-6);
        }
    }
}

int main() {
    testElementwise();
    std::printf("element-wise: %d checks, %d failures\n", checks, failures);
    std::fflush(stdout);
    testBiasAndColumnSums();
    std::printf("bias and column sums: %d checks, %d failures\n", checks, failures);
    std::fflush(stdout);
    testSoftmaxAndLosses();
    std::printf("softmax and losses: %d checks, %d failures\n", checks, failures);
    std::fflush(stdout);
    testVectors();
    testOptimizers();
    testRoundBf16();
    std::printf("%d checks, %d failures\n", checks, failures);
    return failures == 0 ? 0 : 1;
}
