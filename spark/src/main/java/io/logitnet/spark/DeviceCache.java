package io.logitnet.spark;

import io.logitnet.DeviceOutOfMemoryException;
import io.logitnet.backend.Backend;
import io.logitnet.backend.Tensor;
import io.logitnet.data.Dataset;
import io.logitnet.data.Standardizer;
import io.logitnet.nn.Architecture;
import io.logitnet.nn.Init;
import io.logitnet.nn.Network;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What an executor keeps on its device between the iterations of a fit: each partition's blocks, uploaded (and
 * standardized) the first time a task of the fit meets the partition, and one network with its gradient sums per fit.
 * Entries are released when the fit ends ({@link #release}), and the least recently used go first when the blocks
 * would pass the byte budget or a device allocation fails. A partition larger than the whole budget is uploaded for
 * its task only. Used only from its device's thread.
 */
final class DeviceCache implements AutoCloseable {
    /** Networks kept: the running fit's and one more (cross-validation runs fits one after another). */
    private static final int MAX_NETWORKS = 2;

    private final Backend backend;
    private final long budget;
    private long bytes;
    private long uploads;
    private final LinkedHashMap<String, Resident> partitions = new LinkedHashMap<>(16, 0.75f, true);
    private final LinkedHashMap<String, FitNetwork> networks = new LinkedHashMap<>(4, 0.75f, true);

    DeviceCache(Backend backend, long budget) {
        this.backend = backend;
        this.budget = budget;
    }

    /** A partition's blocks on the device; close it after use unless {@link Resident#cached()}. */
    static final class Resident implements AutoCloseable {
        private final List<Tensor[]> blocks;
        private final long bytes;
        private final boolean cached;

        Resident(List<Tensor[]> blocks, long bytes, boolean cached) {
            this.blocks = blocks;
            this.bytes = bytes;
            this.cached = cached;
        }

        /** {x [rows, cols], y [rows, 1]} per block, in partition order. */
        List<Tensor[]> blocks() {
            return blocks;
        }

        boolean cached() {
            return cached;
        }

        @Override
        public void close() {
            for (int i = blocks.size() - 1; i >= 0; i--) {
                blocks.get(i)[1].close();
                blocks.get(i)[0].close();
            }
        }
    }

    /** A network of a fit's architecture, with a gradient sum per parameter and a loss sum. */
    static final class FitNetwork implements AutoCloseable {
        final Network net;
        final List<Tensor> sums = new ArrayList<>();
        final Tensor lossSum;

        FitNetwork(Backend backend, Architecture arch) {
            net = Network.create(backend, arch, Init.ZEROS, 0, true); // every task installs the current parameters
            try {
                for (Tensor p : net.parameters()) {
                    sums.add(backend.allocate(p.rows(), p.cols()));
                }
                lossSum = backend.allocate(1, 1);
            } catch (RuntimeException e) {
                close();
                throw e;
            }
        }

        @Override
        public void close() {
            if (lossSum != null) {
                lossSum.close();
            }
            for (int i = sums.size() - 1; i >= 0; i--) {
                sums.get(i).close();
            }
            net.close();
        }
    }

    /** The blocks of {@code partition} of fit {@code fitId}: on the device already, or uploaded from {@code host}. */
    Resident partition(String fitId, int partition, List<Block> host, double[][] scaling) {
        String key = fitId + "/" + partition;
        Resident r = partitions.get(key);
        if (r != null) {
            return r;
        }
        long need = 0;
        for (Block b : host) {
            need += b.bytes();
        }
        boolean keep = need <= budget;
        if (keep) {
            evictPartitions(budget - need);
        }
        List<Tensor[]> tensors;
        try {
            tensors = upload(host, scaling);
        } catch (DeviceOutOfMemoryException e) {
            evictPartitions(0);
            tensors = upload(host, scaling);
        }
        uploads++;
        r = new Resident(tensors, need, keep);
        if (keep) {
            partitions.put(key, r);
            bytes += need;
        }
        return r;
    }

    private List<Tensor[]> upload(List<Block> host, double[][] scaling) {
        List<Tensor[]> out = new ArrayList<>();
        try {
            for (Block b : host) {
                Dataset d = new Dataset(b.x(), b.rows(), b.cols(), b.y(), 1, null);
                if (scaling != null) {
                    d = Standardizer.apply(d, scaling);
                }
                Tensor x = backend.upload(d.x(), b.rows(), b.cols());
                try {
                    out.add(new Tensor[] {x, backend.upload(d.y(), b.rows(), 1)});
                } catch (RuntimeException e) {
                    x.close();
                    throw e;
                }
            }
        } catch (RuntimeException e) {
            new Resident(out, 0, false).close();
            throw e;
        }
        return out;
    }

    /** The network of fit {@code fitId}, made on first use. */
    FitNetwork network(String fitId, Architecture arch) {
        FitNetwork n = networks.get(fitId);
        if (n != null) {
            return n;
        }
        while (networks.size() >= MAX_NETWORKS) {
            Iterator<Map.Entry<String, FitNetwork>> it = networks.entrySet().iterator();
            it.next().getValue().close();
            it.remove();
        }
        n = new FitNetwork(backend, arch);
        networks.put(fitId, n);
        return n;
    }

    /** Drops least recently used partitions until at most {@code limit} bytes stay. */
    private void evictPartitions(long limit) {
        Iterator<Map.Entry<String, Resident>> it = partitions.entrySet().iterator();
        while (bytes > limit && it.hasNext()) {
            Resident r = it.next().getValue();
            bytes -= r.bytes;
            r.close();
            it.remove();
        }
    }

    /** Releases everything of fit {@code fitId}. */
    void release(String fitId) {
        Iterator<Map.Entry<String, Resident>> it = partitions.entrySet().iterator();
        while (it.hasNext()) {
            Map.Entry<String, Resident> e = it.next();
            if (e.getKey().startsWith(fitId + "/")) {
                bytes -= e.getValue().bytes;
                e.getValue().close();
                it.remove();
            }
        }
        FitNetwork n = networks.remove(fitId);
        if (n != null) {
            n.close();
        }
    }

    /** Bytes of blocks held on the device. */
    long bytes() {
        return bytes;
    }

    /** Number of partitions held on the device. */
    int partitions() {
        return partitions.size();
    }

    /** Number of partition uploads so far (each fit uploads each partition once while it stays in the budget). */
    long uploads() {
        return uploads;
    }

    @Override
    public void close() {
        evictPartitions(-1);
        networks.values().forEach(FitNetwork::close);
        networks.clear();
    }
}
