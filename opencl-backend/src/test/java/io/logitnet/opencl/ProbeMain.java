package io.logitnet.opencl;

import io.logitnet.backend.Availability;

/** Prints the OpenCL probe's verdict; {@link OpenClNoPlatformTest} runs it in a JVM with a different environment. */
public final class ProbeMain {
    private ProbeMain() {
    }

    public static void main(String[] args) {
        Availability a = new OpenClBackendProvider().probe();
        System.out.println("available=" + a.available());
        System.out.println("reason=" + a.reason());
    }
}
