package io.logitnet.optim;

import io.logitnet.backend.Backend;
import io.logitnet.backend.Tensor;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Stochastic gradient descent with optional (Nesterov) momentum, as {@code torch.optim.SGD} with dampening 0. */
public final class Sgd implements Optimizer {
    private final float baseLr;
    private float lr;
    private final float momentum;
    private final boolean nesterov;
    private final List<Tensor> velocity = new ArrayList<>();
    private long steps;

    public Sgd(float lr, float momentum, boolean nesterov) {
        if (!(lr > 0) || Float.isInfinite(lr)) {
            throw new IllegalArgumentException("learning rate must be a finite number > 0, got " + lr);
        }
        if (!(momentum >= 0 && momentum < 1)) {
            throw new IllegalArgumentException("momentum must be in [0, 1), got " + momentum);
        }
        if (nesterov && momentum == 0) {
            throw new IllegalArgumentException("Nesterov momentum needs momentum > 0");
        }
        this.baseLr = lr;
        this.lr = lr;
        this.momentum = momentum;
        this.nesterov = nesterov;
    }

    @Override
    public void step(List<Tensor> params, List<Tensor> gradients) {
        if (momentum != 0 && velocity.isEmpty()) {
            for (Tensor p : params) {
                velocity.add(p.backend().allocate(p.rows(), p.cols()));
            }
        }
        for (int i = 0; i < params.size(); i++) {
            Tensor p = params.get(i);
            p.backend().sgdUpdate(p, gradients.get(i), momentum == 0 ? null : velocity.get(i), lr, momentum, nesterov);
        }
        steps++;
    }

    @Override
    public long steps() {
        return steps;
    }

    @Override
    public String describe() {
        return "sgd(lr=" + baseLr + ", momentum=" + momentum + (nesterov ? ", nesterov" : "") + ")";
    }

    @Override
    public void scaleLearningRate(float factor) {
        this.lr = baseLr * factor;
    }

    @Override
    public Map<String, float[]> exportState() {
        Map<String, float[]> out = new LinkedHashMap<>();
        for (int i = 0; i < velocity.size(); i++) {
            out.put(i + ".velocity", velocity.get(i).toArray());
        }
        return out;
    }

    @Override
    public void importState(List<Tensor> params, Map<String, float[]> state, long steps) {
        close();
        if (momentum != 0 && state.containsKey("0.velocity")) {
            for (int i = 0; i < params.size(); i++) {
                Tensor p = params.get(i);
                Backend b = p.backend();
                velocity.add(b.upload(OptimizerState.require(state, i + ".velocity", p), p.rows(), p.cols()));
            }
        }
        this.steps = steps;
    }

    @Override
    public void close() {
        velocity.forEach(Tensor::close);
        velocity.clear();
    }
}
