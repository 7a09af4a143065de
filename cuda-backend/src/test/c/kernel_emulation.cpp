// Runs every kernel of kernels/src/main/cuda/logitnet.cu under cuda_emulation.h with the launch configurations
// CudaBackend uses, and compares with the double-precision formulas of CpuBackend. See run-kernel-emulation.sh.
#include "cuda_emulation.h"
#include "../../../../kernels/src/main/cuda/logitnet.cu"

#include <cstdio>
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

static void close(const char *what, const std::vector<float> &got, const std::vector<double> &want, double rel,
                  double abs) {
    for (size_t i = 0; i < got.size(); i++) {
        bool ok = std::fabs(got[i] - want[i]) <= rel * std::fabs(want[i]) + abs
                  || (std::isinf(want[i]) && got[i] == (float) want[i]);
        expect(ok, what, (long) i, got[i], want[i]);
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

static double sigmoid(double z) {
    if (z >= 0) {
        return 1.0 / (1.0 + std::exp(-z));
    }
    double e = std::exp(z);
    return e / (1.0 + e);
}

static const double U = std::ldexp(1.0, -24);

static void testElementwise() {
    std::mt19937 r(1);
    for (long long n : {1LL, 7LL, 4097LL * 3}) {
        std::vector<float> z = randoms(r, n, 6);
        float ext[] = {0.f, -0.f, 90.f, -90.f, 1e4f, -1e4f, 1e30f, -1e30f, 20.f, -20.f};
        for (long long i = 0; i < n && i < 10; i++) {
            z[(i * 7919) % n] = ext[i];
        }
        std::vector<float> dy = randoms(r, n, 1);
        for (int f = 0; f < 5; f++) {
            std::vector<float> y(n), dz(n);
            emu_launch(activation_forward, {grid(n)}, {BLOCK}, f, z.data(), y.data(), n);
            std::vector<double> want(n), wantDz(n);
            for (long long i = 0; i < n; i++) {
                double zi = z[i];
                double v = f == 0 ? zi : f == 1 ? sigmoid(zi) : f == 2 ? std::tanh(zi) : f == 3 ? (zi > 0 ? zi : 0)
                                                                                          : std::exp(zi);
                want[i] = (float) v;
                double yi = y[i];
                double d = f == 0 ? 1 : f == 1 ? yi * (1 - yi) : f == 2 ? 1 - yi * yi : f == 3 ? (yi > 0 ? 1 : 0) : yi;
                wantDz[i] = dy[i] * d;
            }
            close("activation_forward", y, want, 0, 0);
            emu_launch(activation_backward, {grid(n)}, {BLOCK}, f, y.data(), dy.data(), dz.data(), n);
            close("activation_backward", dz, wantDz, U, 1e-30);
        }
    }
}

static void testBiasAndColumnSums() {
    std::mt19937 r(2);
    for (int rows : {1, 7, 93, 257, 4097}) {
        for (int cols : {1, 7, 33, 93}) {
            long long n = (long long) rows * cols;
            std::vector<float> x = randoms(r, n, 2);
            std::vector<float> bias = randoms(r, cols, 2);
            // column sums, as CudaBackend.columnSums launches them
            int rowsPerChunk = std::max(256, (rows + 1023) / 1024);
            int chunks = (rows + rowsPerChunk - 1) / rowsPerChunk;
            std::vector<double> partial((size_t) chunks * cols, -1.0);
            std::vector<float> sums(cols);
            emu_launch(column_sums_partial, {(unsigned) (cols + 31) / 32, (unsigned) chunks}, {32, 8}, x.data(),
                       partial.data(), rows, cols, rowsPerChunk);
            emu_launch(column_sums_finish, {(unsigned) (cols + BLOCK - 1) / BLOCK}, {BLOCK}, partial.data(),
                       sums.data(), chunks, cols);
            std::vector<double> want(cols, 0.0);
            std::vector<double> bound(cols, 0.0);
            for (int i = 0; i < rows; i++) {
                for (int j = 0; j < cols; j++) {
                    want[j] += x[(size_t) i * cols + j];
                    bound[j] += std::fabs(x[(size_t) i * cols + j]);
                }
            }
            for (int j = 0; j < cols; j++) {
                expect(std::fabs(sums[j] - want[j]) <= 4 * U * std::sqrt(rows) * bound[j] + 2 * U * std::fabs(want[j]),
                       "column_sums", j, sums[j], want[j]);
            }
            std::vector<double> added(n);
            for (long long i = 0; i < n; i++) {
                added[i] = (float) (x[i] + bias[i % cols]);
            }
            emu_launch(add_row_vector, {grid(n)}, {BLOCK}, x.data(), bias.data(), n, cols);
            close("add_row_vector", x, added, 0, 0);
        }
    }
}

static void testSoftmaxAndLosses() {
    std::mt19937 r(3);
    for (int cols : {1, 2, 7, 93, 144, 300}) {
        int rows = 9;
        size_t n = (size_t) rows * cols;
        std::vector<float> z = randoms(r, n, 8);
        for (int j = 0; j < cols; j++) {
            z[j] = 3.25f;
            z[cols + j] = j % 2 == 0 ? 1e4f : -1e4f;
            z[2 * cols + j] = j == cols / 2 ? 90.f : -90.f;
            z[3 * cols + j] = j == 0 ? 1e30f : -1e30f;
        }
        std::vector<float> y(n);
        emu_launch(softmax_rows, {(unsigned) rows}, {rowBlock(cols)}, z.data(), y.data(), rows, cols);
        std::vector<double> want(n);
        std::vector<float> targets(rows);
        std::vector<double> wantLoss(rows);
        std::vector<double> wantGrad(n);
        float scale = 1.0f / rows;
        for (int i = 0; i < rows; i++) {
            double max = -INFINITY;
            for (int j = 0; j < cols; j++) {
                max = std::max(max, (double) z[i * cols + j]);
            }
            double sum = 0;
            for (int j = 0; j < cols; j++) {
                sum += std::exp(z[i * cols + j] - max);
            }
            int c = (i * 5) % cols;
            targets[i] = (float) c;
            wantLoss[i] = max + std::log(sum) - z[i * cols + c];
            for (int j = 0; j < cols; j++) {
                want[i * cols + j] = std::exp(z[i * cols + j] - max) / sum;
                wantGrad[i * cols + j] = scale * (want[i * cols + j] - (j == c ? 1 : 0));
            }
        }
        close("softmax_rows", y, want, 8 * U * std::sqrt(cols) + 8 * U, 1e-30);
        std::vector<float> grad(n), loss(rows);
        int bad = 0x7fffffff;
        emu_launch(loss_forward_backward, {(unsigned) rows}, {rowBlock(cols)}, 1, z.data(), targets.data(),
                   grad.data(), loss.data(), scale, rows, cols, &bad);
        close("softmax ce loss", loss, wantLoss, 16 * U, 16 * U * 1e4);
        close("softmax ce grad", grad, wantGrad, 16 * U, 4 * U * scale);
        expect(bad == 0x7fffffff, "softmax ce bad row (none)", 0, bad, 0x7fffffff);
        // in place softmax
        emu_launch(softmax_rows, {(unsigned) rows}, {rowBlock(cols)}, z.data(), z.data(), rows, cols);
        close("softmax_rows in place", z, want, 8 * U * std::sqrt(cols) + 8 * U, 1e-30);
        // a bad label is reported, the smallest bad row wins
        targets[5] = 0.5f;
        targets[3] = (float) cols;
        emu_launch(loss_forward_backward, {(unsigned) rows}, {rowBlock(cols)}, 1, z.data(), targets.data(),
                   (float *) nullptr, loss.data(), scale, rows, cols, &bad);
        expect(bad == 3, "softmax ce bad row", 0, bad, 3);
    }
    for (int loss = 0; loss < 4; loss += (loss == 0 ? 2 : 1)) {
        for (int cols : {1, 3, 10, 4097}) {
            int rows = 6;
            size_t n = (size_t) rows * cols;
            std::vector<float> z = randoms(r, n, loss == 3 ? 3 : 6);
            std::vector<float> t(n);
            std::uniform_int_distribution<int> k(0, 5);
            for (size_t i = 0; i < n; i++) {
                t[i] = loss == 0 ? (i % 3 == 0 ? 1.f : i % 5 == 0 ? 0.25f : 0.f) : loss == 3 ? (float) k(r)
                                                                                      : (float) (k(r) - 2.5);
            }
            if (loss == 0) {
                float ext[] = {90.f, -90.f, 1e4f, -1e4f, 1e30f, -1e30f};
                for (size_t i = 0; i < n && i < 6; i++) {
                    z[i] = ext[i];
                }
            }
            std::vector<float> grad(n), rowLoss(rows);
            float scale = 1.0f / rows;
            emu_launch(loss_forward_backward, {(unsigned) rows}, {rowBlock(cols)}, loss, z.data(), t.data(),
                       grad.data(), rowLoss.data(), scale, rows, cols, (int *) nullptr);
            std::vector<double> wantLoss(rows, 0.0), wantGrad(n);
            std::vector<double> bound(rows, 0.0);
            for (int i = 0; i < rows; i++) {
                for (int j = 0; j < cols; j++) {
                    double zz = z[(size_t) i * cols + j];
                    double tt = t[(size_t) i * cols + j];
                    double v, p;
                    if (loss == 0) {
                        v = std::max(zz, 0.0) - zz * tt + std::log1p(std::exp(-std::fabs(zz)));
                        p = sigmoid(zz);
                    } else if (loss == 2) {
                        v = 0.5 * (zz - tt) * (zz - tt);
                        p = zz;
                    } else {
                        p = std::exp(zz);
                        v = p - tt * zz;
                    }
                    wantLoss[i] += v;
                    bound[i] += std::fabs(v) + std::fabs(zz * tt) + std::fabs(p);
                    wantGrad[(size_t) i * cols + j] = scale * (p - tt);
                }
            }
            for (int i = 0; i < rows; i++) {
                expect(std::fabs(rowLoss[i] - wantLoss[i]) <= 8 * U * std::sqrt(cols) * bound[i] + 1e-30, "row loss",
                       loss * 100000 + i, rowLoss[i], wantLoss[i]);
            }
            close("loss gradient", grad, wantGrad, 16 * U, 4 * U * scale);
        }
    }
}

static void testVectorsAndOptimizers() {
    std::mt19937 r(4);
    for (long long n : {1LL, 7LL, 93LL * 144, 70000LL}) {
        std::vector<float> x = randoms(r, n, 3), y = randoms(r, n, 3);
        int blocks = (int) std::min<long long>(grid(n), 1024);
        std::vector<double> partial(blocks), result(1);
        emu_launch(dot_partial, {(unsigned) blocks}, {BLOCK}, x.data(), y.data(), partial.data(), n);
        emu_launch(sum_partials, {1}, {BLOCK}, partial.data(), result.data(), blocks);
        double want = 0, bound = 0;
        for (long long i = 0; i < n; i++) {
            want += (double) x[i] * y[i];
            bound += std::fabs((double) x[i] * y[i]);
        }
        expect(std::fabs(result[0] - want) <= 4 * U * std::sqrt((double) n) * bound + 1e-30, "dot", n, result[0], want);
        std::vector<double> ax(n), sc(n);
        for (long long i = 0; i < n; i++) {
            ax[i] = -1.25f * x[i] + y[i];
            sc[i] = 0.5f * x[i];
        }
        emu_launch(axpy, {grid(n)}, {BLOCK}, -1.25f, x.data(), y.data(), n);
        close("axpy", y, ax, 0, 0);
        emu_launch(scale, {grid(n)}, {BLOCK}, 0.5f, x.data(), n);
        close("scale", x, sc, 0, 0);
    }
    long long n = 93 * 7;
    for (int nesterov = 0; nesterov < 2; nesterov++) {
        for (float momentum : {0.f, 0.9f}) {
            std::vector<float> p = randoms(r, n, 1), v(n, 0.f);
            std::vector<double> pe(p.begin(), p.end()), ve(n, 0.0);
            for (int step = 0; step < 3; step++) {
                std::vector<float> g = randoms(r, n, 1);
                emu_launch(sgd_update, {grid(n)}, {BLOCK}, p.data(), g.data(), momentum == 0 ? nullptr : v.data(),
                           0.1f, momentum, nesterov, n);
                for (long long i = 0; i < n; i++) {
                    ve[i] = momentum * ve[i] + g[i];
                    double s = momentum == 0 ? g[i] : (nesterov ? g[i] + momentum * ve[i] : ve[i]);
                    pe[i] -= 0.1 * s;
                }
            }
            close("sgd", p, pe, 16 * U, 16 * U);
        }
    }
    for (float wd : {0.f, 0.01f}) {
        std::vector<float> p = randoms(r, n, 1), m(n, 0.f), v(n, 0.f);
        std::vector<double> pe(p.begin(), p.end()), me(n, 0.0), vv(n, 0.0);
        for (int step = 1; step <= 4; step++) {
            std::vector<float> g = randoms(r, n, 1);
            g[0] = 0.f;
            double c1 = 1.0 - std::pow(0.9f, step), c2 = 1.0 - std::pow(0.999f, step);
            emu_launch(adam_update, {grid(n)}, {BLOCK}, p.data(), g.data(), m.data(), v.data(), 1e-2f, 0.9f, 0.999f,
                       1e-8f, wd, c1, c2, n);
            for (long long i = 0; i < n; i++) {
                pe[i] -= 1e-2 * wd * pe[i];
                me[i] = 0.9 * me[i] + 0.1 * g[i];
                vv[i] = 0.999 * vv[i] + 0.001 * g[i] * g[i];
                double mh = me[i] / (1 - std::pow(0.9, step));
                double vh = vv[i] / (1 - std::pow(0.999, step));
                pe[i] -= 1e-2 * mh / (std::sqrt(vh) + 1e-8);
            }
        }
        close("adam", p, pe, 64 * U, 1e-6);
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
    testVectorsAndOptimizers();
    std::printf("%d checks, %d failures\n", checks, failures);
    return failures == 0 ? 0 : 1;
}
