package io.logitnet.nn;

import io.logitnet.ShapeMismatchException;
import io.logitnet.backend.Activation;
import io.logitnet.backend.Backend;
import io.logitnet.backend.Loss;
import io.logitnet.backend.Tensor;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * A stack of {@link Dense} layers with a loss fused to the output activation, on one backend. Batched forward and
 * backward passes run in buffers allocated once for the largest batch (a training loop allocates nothing per step;
 * smaller batches run in views of them).
 *
 * <p>Objective: mean loss over the batch + (l2/2)·Σ‖W‖² over weights (not biases).
 */
public final class Network implements AutoCloseable {
    /** Views kept per smaller batch size: the last partial batch of training and of evaluation, a few more. */
    private static final int MAX_VIEWS = 4;

    private final Backend backend;
    private final Architecture architecture;
    private final List<Dense> layers;
    private final List<Tensor> parameters;
    private final List<Tensor> gradients;
    /** The buffers of the largest batch so far; smaller batches run in views of them ({@link #views}). */
    private Workspace full;
    private final Map<Integer, Workspace> views = new LinkedHashMap<>();
    /** The workspace used last: the usual hit, looked up without boxing the batch size on every pass. */
    private Workspace lastWorkspace;
    private float l2;

    private Network(Backend backend, Architecture architecture) {
        this.backend = backend;
        this.architecture = architecture;
        List<Dense> list = new ArrayList<>();
        try {
            for (int i = 0; i < architecture.layerCount(); i++) {
                list.add(new Dense(backend, architecture.sizes().get(i), architecture.sizes().get(i + 1),
                        architecture.activation(i)));
            }
        } catch (RuntimeException e) {
            Collections.reverse(list);
            list.forEach(Dense::close);
            throw e;
        }
        this.layers = List.copyOf(list);
        List<Tensor> p = new ArrayList<>();
        List<Tensor> g = new ArrayList<>();
        for (Dense d : layers) {
            p.add(d.weight());
            p.add(d.bias());
            g.add(d.weightGrad());
            g.add(d.biasGrad());
        }
        this.parameters = List.copyOf(p);
        this.gradients = List.copyOf(g);
    }

    /**
     * A network with freshly initialized weights (biases zero).
     *
     * @param allowSymmetric allow a zero or constant initialization of a hidden layer (to study the symmetry
     *                       problem); otherwise it throws {@link SymmetricInitializationException}
     */
    public static Network create(Backend backend, Architecture architecture, Init init, long seed,
                                 boolean allowSymmetric) {
        if (init.symmetric() && !allowSymmetric && architecture.layerCount() > 1) {
            throw new SymmetricInitializationException(0, init);
        }
        Network net = new Network(backend, architecture);
        try {
            SplittableRandom random = new SplittableRandom(seed);
            for (int i = 0; i < net.layers.size(); i++) {
                Dense d = net.layers.get(i);
                Activation act = d.activation() != null ? d.activation()
                        : architecture.loss().outputActivation() != null ? architecture.loss().outputActivation()
                        : Activation.IDENTITY;
                float[] w = new float[d.in() * d.out()];
                init.fill(w, d.in(), d.out(), act, random.split());
                backend.upload(w, 0, d.weight());
            }
        } catch (RuntimeException e) {
            net.close();
            throw e;
        }
        return net;
    }

    /** A network holding the given parameters: {@code weights[i]} {@code [out, in]} and {@code biases[i]} {@code [out]}. */
    public static Network of(Backend backend, Architecture architecture, List<float[]> weights, List<float[]> biases) {
        Network net = new Network(backend, architecture);
        try {
            for (int i = 0; i < net.layers.size(); i++) {
                net.setParameters(i, weights.get(i), biases.get(i));
            }
        } catch (RuntimeException e) {
            net.close();
            throw e;
        }
        return net;
    }

    public Backend backend() {
        return backend;
    }

    public Architecture architecture() {
        return architecture;
    }

    public List<Dense> layers() {
        return layers;
    }

    /** [W0, b0, W1, b1, ...]. */
    public List<Tensor> parameters() {
        return parameters;
    }

    /** Gradients in the order of {@link #parameters()}. */
    public List<Tensor> gradients() {
        return gradients;
    }

    /** Whether parameter i is a weight (penalized by L2) rather than a bias. */
    public static boolean isWeight(int parameterIndex) {
        return parameterIndex % 2 == 0;
    }

    public float l2() {
        return l2;
    }

    /** Sets the L2 penalty: objective = mean loss + (l2/2)·Σ‖W‖² over weights. */
    public void setL2(float l2) {
        if (!(l2 >= 0) || Float.isInfinite(l2)) {
            throw new IllegalArgumentException("l2 must be a finite number >= 0, got " + l2);
        }
        this.l2 = l2;
    }

    // ---- passes ----

    /**
     * Forward pass.
     *
     * @param x {@code [batch, in]}
     * @return the logits {@code [batch, out]}, in this network's workspace (valid until the next pass)
     */
    public Tensor forward(Tensor x) {
        Workspace ws = workspace(x);
        Tensor input = x;
        for (int i = 0; i < layers.size(); i++) {
            layers.get(i).forward(input, ws.outputs[i]);
            input = ws.outputs[i];
        }
        return ws.outputs[layers.size() - 1];
    }

    /**
     * The model's predictions: the output activation applied to the logits (probabilities for classifiers, the
     * mean for regressions), in place in the workspace.
     */
    public Tensor predict(Tensor x) {
        Tensor logits = forward(x);
        Loss loss = architecture.loss();
        if (loss == Loss.SOFTMAX_CROSS_ENTROPY) {
            backend.softmaxRows(logits, logits);
        } else {
            backend.activationForward(loss.outputActivation(), logits, logits);
        }
        return logits;
    }

    /** The output of hidden layer {@code layer} (0-based) from the last forward pass of this batch size. */
    public Tensor hiddenOutput(Tensor x, int layer) {
        if (layer < 0 || layer >= layers.size() - 1) {
            throw new IllegalArgumentException("hidden layer index " + layer + " is outside [0, "
                    + (layers.size() - 1) + ")");
        }
        Workspace ws = workspace(x);
        Tensor input = x;
        for (int i = 0; i <= layer; i++) {
            layers.get(i).forward(input, ws.outputs[i]);
            input = ws.outputs[i];
        }
        return ws.outputs[layer];
    }

    /**
     * Forward, loss and backward for one batch: fills {@link #gradients()} with the gradient of the objective (mean
     * loss + L2 penalty) and, when {@code lossSum} ({@code [1, 1]}) is not null, adds the batch's summed loss to it
     * on the device (no synchronization).
     *
     * @param x       {@code [batch, in]}
     * @param targets {@code [batch, out]}, or {@code [batch, 1]} class indices for softmax
     */
    public void forwardBackward(Tensor x, Tensor targets, Tensor lossSum) {
        lossAndGradient(x, targets, lossSum, 1f / x.rows());
        if (l2 != 0f) {
            for (Dense d : layers) {
                backend.axpy(l2, d.weight(), d.weightGrad());
            }
        }
    }

    /**
     * Forward, loss and backward for one chunk of a larger data set, without the L2 penalty: fills
     * {@link #gradients()} with {@code gradScale} times the gradient of the chunk's summed loss and, when
     * {@code lossSum} ({@code [1, 1]}) is not null, adds the chunk's summed loss to it on the device. With
     * {@code gradScale = 1/N} for chunks of an N-row data set the chunks' gradients add up to the gradient of the mean
     * loss over all N rows, wherever each chunk was computed (data-parallel training sums them across machines and
     * adds the penalty once); {@link #forwardBackward} is the case of one chunk, {@code 1/rows}, plus the penalty.
     *
     * @param x       {@code [batch, in]}
     * @param targets {@code [batch, out]}, or {@code [batch, 1]} class indices for softmax
     */
    public void lossAndGradient(Tensor x, Tensor targets, Tensor lossSum, float gradScale) {
        forward(x);
        Workspace ws = workspace(x);
        int last = layers.size() - 1;
        backend.lossForwardBackward(architecture.loss(), ws.outputs[last], targets, ws.grads[last], ws.rowLoss,
                gradScale);
        if (lossSum != null) {
            backend.columnSums(ws.rowLoss, ws.batchLoss);
            backend.axpy(1f, ws.batchLoss, lossSum);
        }
        backend.columnSums(ws.grads[last], layers.get(last).biasGrad());
        for (int i = last; i >= 0; i--) {
            Dense d = layers.get(i);
            d.weightGradient(i == 0 ? x : ws.outputs[i - 1], ws.grads[i]);
            if (i > 0) {
                d.inputGradient(ws.grads[i], ws.grads[i - 1]);
                // the hidden layer below: its activation's gradient and its bias gradient, in one pass
                layers.get(i - 1).activationAndBiasGradient(ws.outputs[i - 1], ws.grads[i - 1]);
            }
        }
    }

    /**
     * Adds the summed loss of this batch to {@code lossSum} ({@code [1, 1]}) without computing gradients.
     *
     * @return the logits of this batch, in the workspace (valid until the next pass)
     */
    public Tensor accumulateLoss(Tensor x, Tensor targets, Tensor lossSum) {
        Tensor logits = forward(x);
        Workspace ws = workspace(x);
        backend.lossForwardBackward(architecture.loss(), logits, targets, null, ws.rowLoss, 1f / x.rows());
        backend.columnSums(ws.rowLoss, ws.batchLoss);
        backend.axpy(1f, ws.batchLoss, lossSum);
        return logits;
    }

    /** (l2/2)·Σ‖W‖² (synchronizes). */
    public double penalty() {
        if (l2 == 0f) {
            return 0;
        }
        double s = 0;
        for (Dense d : layers) {
            s += backend.dot(d.weight(), d.weight());
        }
        return 0.5 * l2 * s;
    }

    // ---- parameters on the host ----

    /** Layer i's weight {@code [out, in]}, row-major, copied to the host. */
    public float[] weight(int layer) {
        return layers.get(layer).weight().toArray();
    }

    /** Layer i's bias {@code [out]}, copied to the host. */
    public float[] bias(int layer) {
        return layers.get(layer).bias().toArray();
    }

    public void setParameters(int layer, float[] weight, float[] bias) {
        Dense d = layers.get(layer);
        if (weight.length != d.in() * d.out()) {
            throw new ShapeMismatchException("layer " + layer + " weight", new int[] {d.out(), d.in()},
                    new int[] {weight.length});
        }
        if (bias.length != d.out()) {
            throw new ShapeMismatchException("layer " + layer + " bias", new int[] {d.out()}, new int[] {bias.length});
        }
        backend.upload(weight, 0, d.weight());
        backend.upload(bias, 0, d.bias());
    }

    /** Every parameter as host arrays, in {@link #parameters()} order. */
    public List<float[]> parameterArrays() {
        List<float[]> out = new ArrayList<>();
        for (Tensor t : parameters) {
            out.add(t.toArray());
        }
        return out;
    }

    /** Uploads arrays in {@link #parameters()} order. */
    public void setParameterArrays(List<float[]> arrays) {
        for (int i = 0; i < parameters.size(); i++) {
            backend.upload(arrays.get(i), 0, parameters.get(i));
        }
    }

    // ---- workspaces ----

    /**
     * The buffers of a pass over {@code x}'s batch: views of the first rows of the buffers of the largest batch seen
     * so far (a smaller batch, such as the last partial one, needs no memory of its own), reallocated when a larger
     * batch comes.
     */
    private Workspace workspace(Tensor x) {
        if (x.cols() != architecture.inputs()) {
            throw new ShapeMismatchException("network input", new int[] {x.rows(), architecture.inputs()}, x.shape());
        }
        int batch = x.rows();
        if (lastWorkspace != null && lastWorkspace.batch == batch) {
            return lastWorkspace;
        }
        if (full == null || full.batch < batch) {
            releaseWorkspaces();
            full = new Workspace(batch);
        }
        Workspace ws = batch == full.batch ? full : views.get(batch);
        if (ws == null) {
            if (views.size() >= MAX_VIEWS) {
                views.remove(views.keySet().iterator().next());
            }
            ws = new Workspace(full, batch);
            views.put(batch, ws);
        }
        lastWorkspace = ws;
        return ws;
    }

    /** Releases the workspace (it is reallocated on demand), keeping the parameters. */
    public void releaseWorkspaces() {
        views.clear();
        if (full != null) {
            full.close();
            full = null;
        }
        lastWorkspace = null;
    }

    @Override
    public void close() {
        releaseWorkspaces();
        List<Dense> reversed = new ArrayList<>(layers);
        Collections.reverse(reversed);
        reversed.forEach(Dense::close);
    }

    /** Per-batch buffers: each layer's output and its gradient, the row losses and their sum. */
    private final class Workspace implements AutoCloseable {
        final int batch;
        final Tensor[] outputs;
        final Tensor[] grads;
        final Tensor rowLoss;
        final Tensor batchLoss;

        Workspace(int batch) {
            this.batch = batch;
            int n = layers.size();
            outputs = new Tensor[n];
            grads = new Tensor[n];
            Tensor rl = null;
            try {
                for (int i = 0; i < n; i++) {
                    outputs[i] = backend.allocate(batch, layers.get(i).out());
                    grads[i] = backend.allocate(batch, layers.get(i).out());
                }
                rl = backend.allocate(batch, 1);
                batchLoss = backend.allocate(1, 1);
            } catch (RuntimeException e) {
                Dense.closeAll(rl);
                Dense.closeAll(grads);
                Dense.closeAll(outputs);
                throw e;
            }
            rowLoss = rl;
        }

        /** Views of the first {@code batch} rows of {@code full}'s buffers. */
        Workspace(Workspace full, int batch) {
            this.batch = batch;
            int n = layers.size();
            outputs = new Tensor[n];
            grads = new Tensor[n];
            for (int i = 0; i < n; i++) {
                outputs[i] = backend.prefixRows(full.outputs[i], batch);
                grads[i] = backend.prefixRows(full.grads[i], batch);
            }
            rowLoss = backend.prefixRows(full.rowLoss, batch);
            batchLoss = full.batchLoss;
        }

        @Override
        public void close() {
            Dense.closeAll(batchLoss, rowLoss);
            Dense.closeAll(grads);
            Dense.closeAll(outputs);
        }
    }
}
