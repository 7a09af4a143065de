package io.logitnet.nn;

import io.logitnet.LogitNetException;

/** A hidden layer was to be initialized so that all its units start identical. */
public final class SymmetricInitializationException extends LogitNetException {
    private final int layer;
    private final Init init;

    public SymmetricInitializationException(int layer, Init init) {
        super("refusing " + init + " initialization of hidden layer " + layer + ": every hidden unit would compute "
                + "the same value, receive the same gradient and stay identical to the others forever (the symmetry "
                + "problem), so the layer would learn one feature, not many. Use Init.AUTO (Glorot for sigmoid/tanh, "
                + "He for relu), or allow it explicitly with allowSymmetricInit(true) to see the effect.");
        this.layer = layer;
        this.init = init;
    }

    public int layer() {
        return layer;
    }

    public Init init() {
        return init;
    }
}
