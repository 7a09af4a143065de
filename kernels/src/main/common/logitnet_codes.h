// Generated from io.logitnet.backend.Activation and io.logitnet.backend.Loss (their code() values) by
// kernels/src/test/java/io/logitnet/kernels/KernelCodesTest.java, which fails when this file is out of date and
// writes the current one to kernels/target/logitnet_codes.h. Do not edit by hand.
#ifndef LOGITNET_CODES_H
#define LOGITNET_CODES_H

#define ACTIVATION_IDENTITY 0
#define ACTIVATION_SIGMOID 1
#define ACTIVATION_TANH 2
#define ACTIVATION_RELU 3
#define ACTIVATION_EXP 4

#define LOSS_SIGMOID_BINARY_CROSS_ENTROPY 0
#define LOSS_SOFTMAX_CROSS_ENTROPY 1
#define LOSS_SQUARED_ERROR 2
#define LOSS_POISSON 3

#endif
