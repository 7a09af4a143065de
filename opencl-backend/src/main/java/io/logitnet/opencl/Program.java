package io.logitnet.opencl;

import io.logitnet.KernelBuildException;
import org.lwjgl.PointerBuffer;
import org.lwjgl.system.MemoryStack;

import java.nio.ByteBuffer;
import java.nio.IntBuffer;

import static org.lwjgl.opencl.CL10.CL_PROGRAM_BUILD_LOG;
import static org.lwjgl.opencl.CL10.clBuildProgram;
import static org.lwjgl.opencl.CL10.clCreateProgramWithSource;
import static org.lwjgl.opencl.CL10.clGetProgramBuildInfo;
import static org.lwjgl.opencl.CL10.clReleaseProgram;

/** A {@code cl_program} built from OpenCL C source for one device. */
final class Program implements AutoCloseable {
    private final String name;
    private long handle;

    private Program(String name, long handle) {
        this.name = name;
        this.handle = handle;
    }

    /**
     * Compiles {@code source} for the context's device.
     *
     * @throws KernelBuildException with the device name and the compiler's full log if the source does not build
     */
    static Program build(Context context, String name, String source, String options) {
        ClDevice device = context.device();
        long program;
        try (MemoryStack stack = MemoryStack.stackPush()) {
            IntBuffer err = stack.callocInt(1);
            program = clCreateProgramWithSource(context.handle(), source, err);
            Cl.check(err.get(0), "clCreateProgramWithSource(" + name + ")");
        }
        int code = clBuildProgram(program, device.device(), options, null, 0L);
        if (code != Cl.CL_SUCCESS) {
            String log;
            try {
                log = buildLog(program, device.device());
            } catch (RuntimeException e) {
                log = "(the build log could not be read: " + e.getMessage() + ")";
            }
            clReleaseProgram(program);
            if (code == Cl.CL_BUILD_PROGRAM_FAILURE || code == -43 /* CL_INVALID_BUILD_OPTIONS */) {
                throw new KernelBuildException(device.name() + " (OpenCL " + device.id() + ")", name,
                        "options: " + options + "\n" + log);
            }
            Cl.check(code, "clBuildProgram(" + name + ")");
        }
        return new Program(name, program);
    }

    static String buildLog(long program, long device) {
        try (MemoryStack stack = MemoryStack.stackPush()) {
            PointerBuffer size = stack.mallocPointer(1);
            Cl.check(clGetProgramBuildInfo(program, device, CL_PROGRAM_BUILD_LOG, (ByteBuffer) null, size),
                    "clGetProgramBuildInfo");
            ByteBuffer log = org.lwjgl.system.MemoryUtil.memAlloc((int) Math.max(1, size.get(0)));
            try {
                Cl.check(clGetProgramBuildInfo(program, device, CL_PROGRAM_BUILD_LOG, log, null),
                        "clGetProgramBuildInfo");
                byte[] bytes = new byte[(int) size.get(0)];
                log.get(bytes);
                int n = bytes.length;
                while (n > 0 && bytes[n - 1] == 0) {
                    n--;
                }
                return new String(bytes, 0, n, java.nio.charset.StandardCharsets.UTF_8);
            } finally {
                org.lwjgl.system.MemoryUtil.memFree(log);
            }
        }
    }

    String name() {
        return name;
    }

    long handle() {
        return handle;
    }

    Kernel kernel(String kernelName) {
        return Kernel.create(this, kernelName);
    }

    /** Releases the program; never throws (a failure is logged). */
    @Override
    public void close() {
        if (handle != 0) {
            Cl.released(clReleaseProgram(handle), "clReleaseProgram(" + name + ")");
            handle = 0;
        }
    }
}
