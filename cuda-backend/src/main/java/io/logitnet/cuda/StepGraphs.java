package io.logitnet.cuda;

import io.logitnet.backend.StepRunner;
import jcuda.driver.CUdeviceptr;
import jcuda.driver.CUgraph;
import jcuda.driver.CUgraphExec;
import jcuda.driver.CUstreamCaptureMode;
import jcuda.driver.JCudaDriver;

import java.lang.System.Logger.Level;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * The CUDA backend's {@link StepRunner}: with graphs on, the steps of each key (batch size) run call by call once (a
 * warm-up: the optimizer's state and every scratch block get allocated outside any capture), are recorded the second
 * time and captured into a CUDA graph (cuStreamBeginCapture .. cuStreamEndCapture, cuGraphInstantiate), and replayed
 * with one cuGraphLaunch after that.
 *
 * <p>How a replay stays exact:
 * <ul>
 *   <li>Every step still runs its Java code. The backend's operations do not launch anything then: each is compared
 *       with the operation the graph recorded at that position (kernel, grid, every argument and device address, the
 *       cuBLAS call and its scalars). A step that differs anywhere runs call by call from there (the operations before
 *       the difference are launched first), the graph is dropped and the key is recaptured (at most
 *       {@value #MAX_CAPTURES} times, then it stays call by call).</li>
 *   <li>The values that change every step (the learning rate of a schedule, Adam's bias corrections 1-β^t) are not
 *       baked into the graph: the graph's optimizer kernels read them from a small device buffer
 *       ({@code *_step_scalars} kernels), which one asynchronous copy refreshes before each launch.</li>
 *   <li>cuBLAS gets a workspace of its own (cublasSetWorkspace), so that it allocates nothing during a capture.</li>
 *   <li>The scratch blocks a step borrows (column-sum partials, BF16 operands) are kept by the graph for its life, out
 *       of the caching allocator's reach; on a replay the step's Java code is handed the same blocks.</li>
 *   <li>Nothing in a step waits for the device: the class-index check of softmax cross-entropy writes the first bad row
 *       into a device flag of this runner, read at the backend's next wait ({@link #checkDeferred}). A step that waits
 *       anyway (a download, dot, norm2, upload) runs call by call and its key is not captured again.</li>
 *   <li>Graphs are destroyed, and their blocks given back, when the runner or the backend closes.</li>
 * </ul>
 * With graphs off the runner runs every step call by call, with the deferred class-index check, so that a step never
 * waits for the device either way. Not thread-safe on its own: every method runs inside the backend's lock.
 */
final class StepGraphs implements StepRunner {
    private static final System.Logger LOG = System.getLogger(StepGraphs.class.getName());
    /** Captures per key before it stays call by call (a step that differs from its graph every time). */
    static final int MAX_CAPTURES = 3;
    /** Bytes per optimizer update in the step-scalar buffer: lr, c1, c2 as doubles, padded. */
    static final int SLOT_BYTES = 32;
    private static final String ALLOC = "alloc";

    enum Mode {
        /** Operations run as they come. */
        EAGER,
        /** Operations are kept, to be captured when the step ends. */
        RECORD,
        /** Operations are compared with the graph's; the graph is launched when the step ends. */
        CHECK
    }

    /** One operation of a step: what identifies it, how to run it now, and how it runs inside a graph. */
    static final class Op {
        final Object[] signature;
        final Runnable eager;
        /** For an optimizer update: the launch reading its scalars at the given device address; else null. */
        final Function<CUdeviceptr, Runnable> fromSlot;
        final double[] scalars;
        /** For an allocation: the block it got. */
        CUdeviceptr block;
        long bytes;

        Op(Object[] signature, Runnable eager, Function<CUdeviceptr, Runnable> fromSlot, double[] scalars) {
            this.signature = signature;
            this.eager = eager;
            this.fromSlot = fromSlot;
            this.scalars = scalars;
        }

        boolean matches(Op other) {
            return Arrays.equals(signature, other.signature);
        }
    }

    /** The graph of one key. */
    private final class Graph {
        final List<Op> ops;
        final List<Op> scratch = new ArrayList<>();
        CUgraphExec exec;
        CUdeviceptr scalarBlock;
        long scalarBytes;

        Graph(List<Op> ops) {
            this.ops = ops;
        }

        int slots() {
            int n = 0;
            for (Op op : ops) {
                if (op.fromSlot != null) {
                    n++;
                }
            }
            return n;
        }

        /** Destroys the executable graph and gives its blocks back to the allocator; never throws. */
        void destroy() {
            if (exec != null) {
                Cu.released(JCudaDriver.cuGraphExecDestroy(exec), "cuGraphExecDestroy");
                exec = null;
            }
            backend.releaseGraphBlocks(scratch, scalarBlock, scalarBytes);
            scratch.clear();
            scalarBlock = null;
        }
    }

    private static final class Key {
        int eagerRuns;
        int captures;
        /** Recordings that found the allocator not yet as the step leaves it (an optimizer's first step). */
        int unsettled;
        Graph graph;
        String callByCall;
    }

    private final CudaBackend backend;
    private final boolean graphs;
    private final Map<Integer, Key> keys = new HashMap<>();

    private Mode mode = Mode.EAGER;
    private boolean inStep;
    private List<Op> pending;
    private Graph checking;
    private String diverted;
    /** The recorded step allocated a block the cache did not have: it may settle, so recording is tried again. */
    private boolean unsettled;

    /** The device flag of the deferred class-index check, and the classes of the loss that last used it. */
    private CUdeviceptr badRow;
    private int badRowClasses;
    private boolean closed;

    StepGraphs(CudaBackend backend, boolean graphs) {
        this.backend = backend;
        this.graphs = graphs;
    }

    // ---- the runner ----

    @Override
    public void run(int key, Runnable step) {
        backend.runStep(this, () -> runStep(key, step));
    }

    private void runStep(int key, Runnable step) {
        if (closed) {
            throw new IllegalStateException("step runner of " + backend.instanceName() + " is closed");
        }
        if (inStep) { // a step inside a step is part of it
            step.run();
            return;
        }
        Key k = keys.computeIfAbsent(key, x -> new Key());
        inStep = true;
        try {
            if (!graphs || k.callByCall != null || k.eagerRuns == 0) {
                mode = Mode.EAGER;
                step.run();
                k.eagerRuns++;
            } else if (k.graph == null) {
                record(key, k, step);
            } else {
                replay(key, k, step);
            }
        } finally {
            inStep = false;
            mode = Mode.EAGER;
            pending = null;
            checking = null;
            diverted = null;
            unsettled = false;
        }
    }

    /** The second step of a key: recorded, captured, launched. */
    private void record(int key, Key k, Runnable step) {
        mode = Mode.RECORD;
        pending = new ArrayList<>();
        runRecorded(step);
        if (mode == Mode.EAGER) {
            if (unsettled && ++k.unsettled < MAX_CAPTURES) {
                return; // it ran call by call; the cache has the blocks now, record again next time
            }
            callByCall(key, k, diverted);
            return;
        }
        Graph g = new Graph(pending);
        String why = keepScratch(g);
        if (why == null) {
            why = capture(g);
        }
        if (why != null) {
            g.destroy();
            mode = Mode.EAGER;
            for (Op op : pending) {
                op.eager.run();
            }
            callByCall(key, k, why);
            return;
        }
        k.graph = g;
        k.captures++;
        launch(g, pending);
    }

    /** The scratch blocks the recorded step borrowed and gave back: the graph keeps them. */
    private String keepScratch(Graph g) {
        for (Op op : g.ops) {
            if (op.block != null && !g.scratch.contains(op)) {
                if (backend.isLive(op.block)) {
                    return "the step allocates a tensor that outlives it";
                }
                boolean seen = false;
                for (Op s : g.scratch) {
                    if (s.block.equals(op.block)) {
                        seen = true;
                        break;
                    }
                }
                if (!seen) {
                    if (!backend.reserveBlock(op.block, op.bytes)) {
                        return "a scratch block of the step is not in the allocator's cache";
                    }
                    g.scratch.add(op);
                }
            }
        }
        return null;
    }

    /** A later step of a key: checked against the graph, then the graph launched with this step's scalars. */
    private void replay(int key, Key k, Runnable step) {
        mode = Mode.CHECK;
        pending = new ArrayList<>();
        checking = k.graph;
        runRecorded(step);
        if (mode == Mode.CHECK && pending.size() != checking.ops.size()) {
            divert("the step queued " + pending.size() + " operations, its graph " + checking.ops.size());
        }
        if (mode == Mode.EAGER) { // it differed: it ran call by call; capture again from the next step
            LOG.log(Level.DEBUG, () -> backend.instanceName() + ": step of " + key + " rows differs from its CUDA "
                    + "graph (" + diverted + "); recapturing");
            k.graph.destroy();
            k.graph = null;
            if (k.captures >= MAX_CAPTURES) {
                callByCall(key, k, "it differed from its graph " + k.captures + " times, last: " + diverted);
            }
            return;
        }
        launch(k.graph, pending);
    }

    private void runRecorded(Runnable step) {
        try {
            step.run();
        } catch (RuntimeException | Error e) {
            // as call by call: what was queued before the failure runs
            if (mode != Mode.EAGER) {
                divert("the step threw " + e);
            }
            throw e;
        }
    }

    private void callByCall(int key, Key k, String why) {
        k.callByCall = why;
        LOG.log(Level.INFO, backend.instanceName() + ": the step of " + key + " rows runs call by call, not as a CUDA "
                + "graph: " + why);
    }

    private void launch(Graph g, List<Op> ops) {
        int slots = g.slots();
        if (slots > 0) {
            ByteBuffer b = ByteBuffer.allocate(slots * SLOT_BYTES).order(ByteOrder.nativeOrder());
            int slot = 0;
            for (Op op : ops) {
                if (op.fromSlot != null) {
                    for (int i = 0; i < op.scalars.length; i++) {
                        b.putDouble(slot * SLOT_BYTES + i * Double.BYTES, op.scalars[i]);
                    }
                    slot++;
                }
            }
            backend.uploadBytes(b.array(), g.scalarBlock);
        }
        backend.launchGraph(g.exec);
    }

    // ---- the backend's operations during a step ----

    /** Whether the backend's operations go through {@link #submit} (a recorded or checked step). */
    boolean intercepting() {
        return mode != Mode.EAGER;
    }

    /** Whether a step of this runner is running (call by call or not). */
    boolean inStep() {
        return inStep;
    }

    /** An operation of a recorded or checked step. */
    void submit(Op op) {
        if (mode == Mode.RECORD) {
            pending.add(op);
        } else if (mode == Mode.CHECK) {
            Op expected = pending.size() < checking.ops.size() ? checking.ops.get(pending.size()) : null;
            if (expected == null || !expected.matches(op)) {
                divert("operation " + pending.size() + " is " + Arrays.toString(op.signature) + ", the graph's "
                        + (expected == null ? "nothing" : Arrays.toString(expected.signature)));
                op.eager.run();
                return;
            }
            pending.add(op);
        } else {
            op.eager.run();
        }
    }

    /**
     * A scratch block for a recorded or checked step: the graph's block when the step matches it; null to allocate
     * as usual (then {@link #allocated}).
     */
    CUdeviceptr allocation(long bytes) {
        long size = CachingAllocator.roundUp(bytes);
        if (mode == Mode.CHECK) {
            Op expected = pending.size() < checking.ops.size() ? checking.ops.get(pending.size()) : null;
            Object[] sig = {ALLOC, size};
            if (expected != null && Arrays.equals(expected.signature, sig)) {
                Op op = new Op(sig, () -> { }, null, null);
                op.block = expected.block;
                op.bytes = bytes;
                pending.add(op);
                return expected.block;
            }
            divert("operation " + pending.size() + " allocates " + size + " bytes, the graph's is "
                    + (expected == null ? "nothing" : Arrays.toString(expected.signature)));
        } else if (mode == Mode.RECORD && !backend.wouldHit(bytes)) {
            unsettled = true;
            divert("a block of " + size + " bytes is not in the allocator's cache (the step allocates more than its "
                    + "warm-up did)");
        }
        return null;
    }

    /** Called after a usual allocation during a recorded step. */
    void allocated(CUdeviceptr block, long bytes) {
        if (mode == Mode.RECORD) {
            Op op = new Op(new Object[] {ALLOC, CachingAllocator.roundUp(bytes)}, () -> { }, null, null);
            op.block = block;
            op.bytes = bytes;
            pending.add(op);
        }
    }

    /**
     * The step must wait for the device, or do something a graph cannot hold: the operations kept so far run now and
     * the rest of the step runs call by call.
     */
    void divert(String why) {
        if (mode == Mode.EAGER) {
            return;
        }
        mode = Mode.EAGER;
        diverted = why;
        for (Op op : pending) {
            op.eager.run();
        }
        pending.clear();
    }

    // ---- the deferred class-index check ----

    /** The device flag that softmax cross-entropy writes its first bad row into during a step of this runner. */
    CUdeviceptr badRowFlag(int classes) {
        if (badRow == null) {
            badRow = backend.newFlag();
        }
        badRowClasses = classes;
        return badRow;
    }

    CUdeviceptr badRowFlagOrNull() {
        return badRow;
    }

    int badRowClasses() {
        return badRowClasses;
    }

    // ---- closing ----

    /** Destroys every graph and gives their blocks back; never throws. Called by the backend too when it closes. */
    @Override
    public void close() {
        backend.closeRunner(this);
    }

    /** The runner's own releases, inside the backend's lock (see {@link CudaBackend#closeRunner}). */
    void release() {
        if (closed) {
            return;
        }
        closed = true;
        for (Key k : keys.values()) {
            if (k.graph != null) {
                k.graph.destroy();
                k.graph = null;
            }
        }
        keys.clear();
    }

    /** Keys and whether each is captured, for tests: "rows: graph", "rows: warm-up", "rows: call by call (why)". */
    Map<Integer, String> describe() {
        Map<Integer, String> out = new HashMap<>();
        keys.forEach((key, k) -> out.put(key, k.callByCall != null ? "call by call (" + k.callByCall + ")"
                : k.graph != null ? "graph" : "warm-up"));
        return out;
    }

    /**
     * Captures the recorded operations into {@code g} (the optimizer updates reading their scalars from a block of its
     * own); null when it worked, else why not. A capture that fails is ended, so the stream is usable again.
     */
    private String capture(Graph g) {
        int slots = g.slots();
        if (slots > 0) {
            g.scalarBytes = (long) slots * SLOT_BYTES;
            g.scalarBlock = backend.allocateOwned(g.scalarBytes);
        }
        backend.prepareCublasForCapture();
        Stream stream = backend.stream();
        int begun = JCudaDriver.cuStreamBeginCapture(stream.handle(),
                CUstreamCaptureMode.CU_STREAM_CAPTURE_MODE_THREAD_LOCAL);
        if (begun != 0) {
            return "cuStreamBeginCapture returned " + Cu.name(begun);
        }
        RuntimeException failed = null;
        try {
            int slot = 0;
            for (Op op : g.ops) {
                if (op.fromSlot != null) {
                    op.fromSlot.apply(g.scalarBlock.withByteOffset((long) slot++ * SLOT_BYTES)).run();
                } else {
                    op.eager.run();
                }
            }
        } catch (RuntimeException e) {
            failed = e;
        }
        CUgraph graph = new CUgraph();
        int ended = JCudaDriver.cuStreamEndCapture(stream.handle(), graph);
        try {
            if (failed != null) {
                return "capturing it failed: " + failed.getMessage();
            }
            if (ended != 0) {
                return "cuStreamEndCapture returned " + Cu.name(ended);
            }
            CUgraphExec exec = new CUgraphExec();
            int status = JCudaDriver.cuGraphInstantiate(exec, graph, 0);
            if (status != 0) {
                return "cuGraphInstantiate returned " + Cu.name(status);
            }
            g.exec = exec;
            return null;
        } finally {
            if (ended == 0) {
                Cu.released(JCudaDriver.cuGraphDestroy(graph), "cuGraphDestroy"); // the executable graph stays
            }
        }
    }
}
