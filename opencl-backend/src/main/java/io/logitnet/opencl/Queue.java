package io.logitnet.opencl;

import org.lwjgl.PointerBuffer;
import org.lwjgl.system.MemoryStack;

import java.nio.ByteBuffer;
import java.nio.IntBuffer;

import static org.lwjgl.opencl.CL10.clCreateCommandQueue;
import static org.lwjgl.opencl.CL10.clEnqueueCopyBuffer;
import static org.lwjgl.opencl.CL10.clEnqueueNDRangeKernel;
import static org.lwjgl.opencl.CL10.clEnqueueReadBuffer;
import static org.lwjgl.opencl.CL10.clEnqueueWriteBuffer;
import static org.lwjgl.opencl.CL10.clFinish;
import static org.lwjgl.opencl.CL10.clReleaseCommandQueue;
import static org.lwjgl.opencl.CL12.clEnqueueFillBuffer;

/** An in-order {@code cl_command_queue}: commands run in the order they are enqueued. */
final class Queue implements AutoCloseable {
    private long handle;

    private Queue(long handle) {
        this.handle = handle;
    }

    @SuppressWarnings("deprecation") // clCreateCommandQueue is deprecated in OpenCL 2.0 but works everywhere 1.2 does
    static Queue create(Context context) {
        try (MemoryStack stack = MemoryStack.stackPush()) {
            IntBuffer err = stack.callocInt(1);
            long q = clCreateCommandQueue(context.handle(), context.device().device(), 0L, err);
            Cl.check(err.get(0), "clCreateCommandQueue");
            return new Queue(q);
        }
    }

    /** Enqueues {@code kernel}, its arguments set, over {@code grid}. */
    void launch(Kernel kernel, Grid grid) {
        long[] global = grid.global();
        long[] local = grid.local();
        try (MemoryStack stack = MemoryStack.stackPush()) {
            PointerBuffer g = stack.mallocPointer(global.length);
            PointerBuffer l = stack.mallocPointer(local.length);
            for (int i = 0; i < global.length; i++) {
                g.put(i, global[i]);
                l.put(i, local[i]);
            }
            Cl.check(clEnqueueNDRangeKernel(handle, kernel.handle(), global.length, null, g, l, null, null),
                    "clEnqueueNDRangeKernel(" + kernel.name() + ")");
        }
    }

    /** Copies {@code src.remaining()} bytes of host memory into {@code dst} at {@code offset}; blocking. */
    void write(DeviceBuffer dst, long offset, ByteBuffer src) {
        Cl.check(clEnqueueWriteBuffer(handle, dst.handle(), true, offset, src, null, null), "clEnqueueWriteBuffer");
    }

    /** Copies {@code dst.remaining()} bytes of {@code src} from {@code offset} to host memory; waits for queued work. */
    void read(DeviceBuffer src, long offset, ByteBuffer dst) {
        Cl.check(clEnqueueReadBuffer(handle, src.handle(), true, offset, dst, null, null), "clEnqueueReadBuffer");
    }

    void copy(DeviceBuffer src, DeviceBuffer dst, long bytes) {
        Cl.check(clEnqueueCopyBuffer(handle, src.handle(), dst.handle(), 0L, 0L, bytes, null, null),
                "clEnqueueCopyBuffer");
    }

    /** Fills the first {@code bytes} bytes of {@code dst} with a 4-byte pattern (a float's or an int's bits). */
    void fill(DeviceBuffer dst, int pattern, long bytes) {
        try (MemoryStack stack = MemoryStack.stackPush()) {
            ByteBuffer p = stack.malloc(4);
            p.putInt(0, pattern);
            Cl.check(clEnqueueFillBuffer(handle, dst.handle(), p, 0L, bytes, null, null), "clEnqueueFillBuffer");
        }
    }

    /** Waits for everything enqueued so far. */
    void finish() {
        Cl.check(clFinish(handle), "clFinish");
    }

    /** Waits for queued work, then releases the queue; never throws (a failure is logged). */
    @Override
    public void close() {
        if (handle != 0) {
            Cl.released(clFinish(handle), "clFinish");
            Cl.released(clReleaseCommandQueue(handle), "clReleaseCommandQueue");
            handle = 0;
        }
    }
}
