package io.logitnet;

/**
 * A sticky device error (for example an illegal address in a CUDA kernel): the device context is corrupt and
 * every later call on it fails. The process must be restarted to use the device again.
 */
public final class DeviceLostException extends NativeCallException {
    public DeviceLostException(String api, String call, int code, String codeName) {
        super(api, call, code, codeName, api + " call " + call + " failed with a sticky error " + codeName + " ("
                + code + "): the device context is unusable; restart the process to use this device again");
    }
}
