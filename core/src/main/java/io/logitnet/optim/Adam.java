package io.logitnet.optim;

import io.logitnet.backend.Tensor;
import io.logitnet.nn.Network;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Adam, and AdamW when {@code weightDecay > 0}: decoupled weight decay {@code p -= lr·wd·p}, applied to weights
 * only (not biases), as is usual practice; the moment updates are {@code torch.optim.Adam}'s.
 */
public final class Adam implements Optimizer {
    private final float baseLr;
    private float lr;
    private final float beta1;
    private final float beta2;
    private final float eps;
    private final float weightDecay;
    private final List<Tensor> m = new ArrayList<>();
    private final List<Tensor> v = new ArrayList<>();
    private long steps;

    public Adam(float lr, float beta1, float beta2, float eps, float weightDecay) {
        if (!(lr > 0) || Float.isInfinite(lr)) {
            throw new IllegalArgumentException("learning rate must be a finite number > 0, got " + lr);
        }
        if (!(beta1 >= 0 && beta1 < 1) || !(beta2 >= 0 && beta2 < 1)) {
            throw new IllegalArgumentException("betas must be in [0, 1), got (" + beta1 + ", " + beta2 + ")");
        }
        if (!(eps > 0)) {
            throw new IllegalArgumentException("eps must be > 0, got " + eps);
        }
        if (!(weightDecay >= 0)) {
            throw new IllegalArgumentException("weight decay must be >= 0, got " + weightDecay);
        }
        this.baseLr = lr;
        this.lr = lr;
        this.beta1 = beta1;
        this.beta2 = beta2;
        this.eps = eps;
        this.weightDecay = weightDecay;
    }

    /** Adam with PyTorch's defaults for everything but the learning rate. */
    public static Adam withLearningRate(float lr) {
        return new Adam(lr, 0.9f, 0.999f, 1e-8f, 0f);
    }

    @Override
    public void step(List<Tensor> params, List<Tensor> gradients) {
        if (m.isEmpty()) {
            for (Tensor p : params) {
                m.add(p.backend().allocate(p.rows(), p.cols()));
                v.add(p.backend().allocate(p.rows(), p.cols()));
            }
        }
        steps++;
        for (int i = 0; i < params.size(); i++) {
            Tensor p = params.get(i);
            float wd = Network.isWeight(i) ? weightDecay : 0f;
            p.backend().adamUpdate(p, gradients.get(i), m.get(i), v.get(i), lr, beta1, beta2, eps, wd, steps);
        }
    }

    @Override
    public long steps() {
        return steps;
    }

    @Override
    public String describe() {
        return (weightDecay > 0 ? "adamw" : "adam") + "(lr=" + baseLr + ", betas=(" + beta1 + ", " + beta2 + "), eps="
                + eps + ", weight_decay=" + weightDecay + ")";
    }

    @Override
    public void scaleLearningRate(float factor) {
        this.lr = baseLr * factor;
    }

    @Override
    public Map<String, float[]> exportState() {
        Map<String, float[]> out = new LinkedHashMap<>();
        for (int i = 0; i < m.size(); i++) {
            out.put(i + ".m", m.get(i).toArray());
            out.put(i + ".v", v.get(i).toArray());
        }
        return out;
    }

    @Override
    public void importState(List<Tensor> params, Map<String, float[]> state, long steps) {
        close();
        if (state.containsKey("0.m")) {
            for (int i = 0; i < params.size(); i++) {
                Tensor p = params.get(i);
                m.add(p.backend().upload(OptimizerState.require(state, i + ".m", p), p.rows(), p.cols()));
                v.add(p.backend().upload(OptimizerState.require(state, i + ".v", p), p.rows(), p.cols()));
            }
        }
        this.steps = steps;
    }

    @Override
    public void close() {
        m.forEach(Tensor::close);
        v.forEach(Tensor::close);
        m.clear();
        v.clear();
    }
}
