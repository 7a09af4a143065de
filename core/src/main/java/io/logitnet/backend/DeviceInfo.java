package io.logitnet.backend;

/**
 * One device a backend can run on.
 *
 * @param id          how to select it, e.g. {@code opencl:0:1} or {@code cuda:0}
 * @param name        the device's name
 * @param memoryBytes global memory in bytes, -1 if unknown
 * @param details     driver/version/compute units, free text
 */
public record DeviceInfo(String id, String name, long memoryBytes, String details) {
}
