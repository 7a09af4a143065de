package io.logitnet;

/** A device program failed to build; carries the device name and the compiler's full build log. */
public final class KernelBuildException extends LogitNetException {
    private final String device;
    private final String buildLog;

    public KernelBuildException(String device, String program, String buildLog) {
        super("kernel build of '" + program + "' failed on " + device + ":\n" + buildLog);
        this.device = device;
        this.buildLog = buildLog;
    }

    public String device() {
        return device;
    }

    public String buildLog() {
        return buildLog;
    }
}
