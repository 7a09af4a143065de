package io.logitnet.spark;

import java.io.Serializable;
import java.util.TreeSet;

/**
 * One partition's (or several partitions') share of an objective evaluation: the summed loss of its rows, how many
 * rows, the gradient (as scaled by the fit: 1/N of the summed gradient for full-batch L-BFGS, the plain sum for a
 * sample), and the devices that computed it. Summed in double, in partition order.
 */
final class GradientSum implements Serializable {
    private static final long serialVersionUID = 1L;

    private double loss;
    private long rows;
    private final double[] gradient;
    private final TreeSet<String> devices = new TreeSet<>();

    GradientSum(double loss, long rows, double[] gradient, String device) {
        this.loss = loss;
        this.rows = rows;
        this.gradient = gradient;
        if (device != null) {
            this.devices.add(device);
        }
    }

    /** Adds {@code other} to this sum and returns it. */
    GradientSum plus(GradientSum other) {
        loss += other.loss;
        rows += other.rows;
        for (int i = 0; i < gradient.length; i++) {
            gradient[i] += other.gradient[i];
        }
        devices.addAll(other.devices);
        return this;
    }

    double loss() {
        return loss;
    }

    long rows() {
        return rows;
    }

    /** The gradient, flattened in the order of {@code Network.parameters()} (not a copy). */
    double[] gradient() {
        return gradient;
    }

    /** Each distinct device that computed a part, e.g. {@code cpu: CPU, 2 threads}. */
    TreeSet<String> devices() {
        return devices;
    }
}
