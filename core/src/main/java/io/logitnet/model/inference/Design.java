package io.logitnet.model.inference;

/**
 * The standardized design {@code D = [1 | (x - mean)/sd]} of a GLM fit and the products Newton's method needs, in
 * double precision or as near to it as the implementation gets: {@link DeviceDesign} on a backend's device,
 * {@link HostDesign} in double on the host (for the CPU backend).
 */
interface Design extends AutoCloseable {
    /** Rows of D. */
    int rows();

    /** Columns of D: the intercept and the features. */
    int cols();

    /** η = D·β in double, {@code beta: [m][cols]}, returns {@code [rows][m]}: an anchor for {@link #etaDelta}. */
    double[][] etaOnHost(double[][] beta);

    /** D·δ for a (small) difference δ from an anchor, {@code delta: [m][cols]}, returns {@code [rows][m]}. */
    double[][] etaDelta(double[][] delta);

    /** Dᵀ·R for {@code r: [rows][m]} (e.g. score residuals), returns {@code [cols][m]}. */
    double[][] crossprod(double[][] r);

    /** Dᵀ·diag(w)·D, returns {@code [cols][cols]}, symmetric. */
    double[][] gram(double[] weights);

    @Override
    void close();
}
