package io.logitnet;

/** A native API call (CUDA, cuBLAS, OpenCL) returned an error code; names the call and the code. */
public class NativeCallException extends LogitNetException {
    private final String api;
    private final String call;
    private final int code;
    private final String codeName;

    public NativeCallException(String api, String call, int code, String codeName) {
        super(api + " call " + call + " failed: " + codeName + " (" + code + ")");
        this.api = api;
        this.call = call;
        this.code = code;
        this.codeName = codeName;
    }

    protected NativeCallException(String api, String call, int code, String codeName, String message) {
        super(message);
        this.api = api;
        this.call = call;
        this.code = code;
        this.codeName = codeName;
    }

    public String api() {
        return api;
    }

    public String call() {
        return call;
    }

    public int code() {
        return code;
    }

    public String codeName() {
        return codeName;
    }
}
